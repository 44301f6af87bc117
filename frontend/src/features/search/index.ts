export { IndexStatusPanel } from './components/IndexStatusPanel';
export { SearchBox } from './components/SearchBox';
export { SearchPage } from './components/SearchPage';
export { SimilarPanel } from './components/SimilarPanel';
