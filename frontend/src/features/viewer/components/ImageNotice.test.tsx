import { render, screen } from '@testing-library/react';
import { imageNotice, ImageNotice } from './ImageNotice';

describe('image notice', () => {
  it('says when every pixel is NaN', () => {
    render(<ImageNotice info={{ shape: [48, 64], all_nan: true }} zoom={8} />);
    expect(screen.getByRole('status')).toHaveTextContent('Every pixel of this image is NaN');
  });

  it('says when a strip is too thin to see at this zoom, and not once it can be seen', () => {
    expect(imageNotice({ shape: [1, 3000], all_nan: false }, 0.3)).toMatch(/3000 × 1 pixels, a thin strip: at this zoom it is less than one screen pixel tall/);
    expect(imageNotice({ shape: [4000, 2], all_nan: false }, 1)).toMatch(/2 × 4000 pixels.*about 2 screen pixels wide/);
    expect(imageNotice({ shape: [1, 3000], all_nan: false }, 4)).toBeNull();
    expect(imageNotice({ shape: [2000, 3000], all_nan: false }, 0.3)).toBeNull();
  });
});
