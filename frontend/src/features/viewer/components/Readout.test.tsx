import { render, screen } from '@testing-library/react';
import { Announcer } from '@/components/Announcer';
import { Readout, skyLabels } from './Readout';

describe('Readout', () => {
  it('announces the pinned pixel once its value and sky position arrive', () => {
    const props = { label: 'Pinned pixel (click)', localValue: null, unit: 'MJy/sr', testId: 'pinned', announceAs: 'Pinned pixel' };
    const { rerender } = render(
      <>
        <Readout {...props} pos={[10, 20]} data={null} />
        <Announcer />
      </>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('');
    const data = { x: 10, y: 20, value: 1.5, ra: 159.2, dec: -58.6, ra_str: '10:36:48.00', dec_str: '-58:36:00.0', frame: 'icrs' };
    rerender(
      <>
        <Readout {...props} pos={[10, 20]} data={data} />
        <Announcer />
      </>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('Pinned pixel 10, 20: value 1.5 MJy/sr, RA 10:36:48.00, Dec -58:36:00.0');
  });

  it('says nothing for the pixel under the cursor', () => {
    render(
      <>
        <Readout label="Under the cursor" pos={[1, 2]} localValue={3} data={{ x: 1, y: 2, value: 3, ra: null, dec: null, ra_str: null, dec_str: null, frame: null }} testId="hover" />
        <Announcer />
      </>,
    );
    expect(screen.getByRole('status')).toHaveTextContent('');
  });

  it('names the coordinates in the image\'s own frame', () => {
    expect(skyLabels('ICRS')).toEqual(['RA', 'Dec']);
    expect(skyLabels(null)).toEqual(['RA', 'Dec']);
    expect(skyLabels('FK5')).toEqual(['RA (FK5)', 'Dec (FK5)']);
    expect(skyLabels('galactic')).toEqual(['l (galactic)', 'b (galactic)']);
    expect(skyLabels('ecliptic')).toEqual(['λ (ecliptic)', 'β (ecliptic)']);
    expect(skyLabels('helioprojective')).toEqual(['Lon (helioprojective)', 'Lat (helioprojective)']);
  });

  it('labels a galactic image\'s readout l and b, not RA and Dec', () => {
    const data = { x: 1, y: 2, value: 3, ra: 0.05, dec: -0.04, ra_str: '0:03:00.0', dec_str: '-0:02:24.0', frame: 'galactic' };
    render(<Readout label="Pinned pixel" pos={[1, 2]} localValue={null} data={data} testId="pinned" announceAs="Pinned pixel" />);
    const readout = screen.getByTestId('pinned');
    expect(readout).toHaveTextContent('l (galactic)0:03:00.0');
    expect(readout).toHaveTextContent('b (galactic)-0:02:24.0');
    expect(readout).not.toHaveTextContent('RA');
  });
});
