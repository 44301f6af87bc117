export { ViewerPage } from './components/ViewerPage';
