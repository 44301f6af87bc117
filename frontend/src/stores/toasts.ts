import { announce } from '@/lib/announce';
import { createStore } from './createStore';

export type ToastKind = 'info' | 'success' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

let nextId = 1;
export const toastStore = createStore<Toast[]>([]);

const LIFETIME_MS: Record<ToastKind, number> = { info: 5000, success: 4000, error: 9000 };

function push(kind: ToastKind, message: string): number {
  const id = nextId++;
  toastStore.set((list) => [...list.filter((t) => t.message !== message), { id, kind, message }].slice(-5));
  setTimeout(() => dismiss(id), LIFETIME_MS[kind]);
  announce(message, kind === 'error' ? 'assertive' : 'polite');
  return id;
}

export function dismiss(id: number): void {
  toastStore.set((list) => list.filter((t) => t.id !== id));
}

export const toast = {
  info: (m: string) => push('info', m),
  success: (m: string) => push('success', m),
  error: (m: string) => push('error', m),
};
