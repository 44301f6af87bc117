import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/styles/theme.css';
import './app/styles/layout.css';
import './app/styles/components.css';
import './app/styles/viewer.css';
import './app/styles/composites.css';
import './app/styles/mosaics.css';
import './app/styles/search.css';

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
