import { createStore } from './createStore';

/** The jobs panel is opened from anywhere (the header, the archive after an import). */
export const jobsPanelStore = createStore<{ open: boolean; focusJobId: string | null }>({
  open: false,
  focusJobId: null,
});

export function openJobsPanel(focusJobId: string | null = null): void {
  jobsPanelStore.set({ open: true, focusJobId });
}

export function closeJobsPanel(): void {
  jobsPanelStore.set((s) => ({ ...s, open: false }));
}

export function toggleJobsPanel(): void {
  jobsPanelStore.set((s) => ({ ...s, open: !s.open }));
}
