export { ArchivePage } from './components/ArchivePage';
