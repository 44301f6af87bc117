export { JobsButton } from './components/JobsButton';
export { JobsPanel } from './components/JobsPanel';
