import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { listUsers, setDisabled, setRole, type Role } from '../api/users';

export function useUsers(offset: number, limit: number) {
  return useQuery({
    queryKey: [...queryKeys.users, offset, limit],
    queryFn: () => listUsers(offset, limit),
    placeholderData: keepPreviousData,
  });
}

export function useChangeUser() {
  const qc = useQueryClient();
  const done = (msg: string) => () => {
    toast.success(msg);
    void qc.invalidateQueries({ queryKey: queryKeys.users });
  };
  const role = useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) => setRole(id, role),
    onSuccess: (u) => done(`${u.username} is now ${u.role === 'admin' ? 'an administrator' : 'a user'}`)(),
  });
  const disabled = useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => setDisabled(id, disabled),
    onSuccess: (u) => done(`${u.username} ${u.disabled ? 'disabled' : 'enabled'}`)(),
  });
  return { role, disabled };
}
