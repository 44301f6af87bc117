import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';
import { clearAnnouncements } from '@/lib/announce';

// Generous waits: on a loaded shared machine a first render can take seconds (waits end as soon
// as their condition holds, so a quick run stays quick).
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  clearAnnouncements();
});
