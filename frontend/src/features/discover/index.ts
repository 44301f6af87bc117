export { DiscoverPage } from './components/DiscoverPage';
export { TargetPage } from './components/TargetPage';
