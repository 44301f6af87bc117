export { ArchivePage } from './components/ArchivePage';
export { MastTokenPanel } from './components/MastTokenPanel';
