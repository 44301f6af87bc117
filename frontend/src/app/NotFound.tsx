import { Link } from 'react-router';
import { PageHeader } from '@/components/PageHeader';

export function NotFound() {
  return (
    <div className="page">
      <PageHeader title="Not found" />
      <p>
        There is nothing at this address. <Link to="/library">Go to the library</Link>.
      </p>
    </div>
  );
}
