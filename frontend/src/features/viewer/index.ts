export { ComparePage } from './components/ComparePage';
export { SpectrumPage } from './components/SpectrumPage';
export { TablesPage } from './components/TablesPage';
export { ViewerPage } from './components/ViewerPage';
