import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { RouterProvider } from 'react-router';
import { Announcer } from '@/components/Announcer';
import { Toaster } from '@/components/Toaster';
import { AuthProvider } from '@/features/auth';
import { createQueryClient } from '@/lib/queryClient';
import { createAppRouter } from './router';

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [router] = useState(createAppRouter);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <RouterProvider router={router} />
        <Toaster />
        <Announcer />
      </AuthProvider>
    </QueryClientProvider>
  );
}
