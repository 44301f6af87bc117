export { MosaicPage } from './components/MosaicPage';
