export { AuthProvider } from './components/AuthProvider';
export { RequireAuth } from './components/RequireAuth';
export { useAuth } from './hooks/authContext';
