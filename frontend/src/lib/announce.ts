/**
 * The one way to tell a screen-reader user that something happened (a new page, a form's errors,
 * an upload's end, a pinned pixel, a toast): the message goes to the live regions that
 * <Announcer> keeps mounted for the whole app. Polite messages wait for the reader to pause;
 * assertive ones (failures) interrupt it.
 */
import { createStore } from '@/stores/createStore';

export type Politeness = 'polite' | 'assertive';

export interface Announcement {
  id: number;
  text: string;
}

let nextId = 1;

export const announcerStore = createStore<Record<Politeness, Announcement | null>>({ polite: null, assertive: null });

/** Say `text` once. The same text said twice is said twice (each message is a new node). */
export function announce(text: string, politeness: Politeness = 'polite'): void {
  const t = text.trim();
  if (!t) return;
  announcerStore.set((s) => ({ ...s, [politeness]: { id: nextId++, text: t } }));
}

/** Forget what was said (a new page: an old error must not linger in the live region). */
export function clearAnnouncements(): void {
  announcerStore.set({ polite: null, assertive: null });
}
