import { useSyncExternalStore } from 'react';

/** A minimal external store for UI state shared across features (no extra dependency). */
export function createStore<T>(initial: T) {
  let state = initial;
  const listeners = new Set<() => void>();
  const store = {
    get: () => state,
    set(next: T | ((prev: T) => T)) {
      state = typeof next === 'function' ? (next as (prev: T) => T)(state) : next;
      for (const l of listeners) l();
    },
    subscribe(l: () => void) {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    },
  };
  function useStore<S>(selector: (s: T) => S): S {
    return useSyncExternalStore(store.subscribe, () => selector(state), () => selector(state));
  }
  return { ...store, useStore };
}
