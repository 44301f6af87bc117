export { CompositeBuilderPage } from './components/CompositeBuilderPage';
