import { render, screen } from '@testing-library/react';
import { Announcer } from '@/components/Announcer';
import { Readout } from './Readout';

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
});
