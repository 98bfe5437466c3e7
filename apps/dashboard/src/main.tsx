import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { startPortalPage } from './portal/start.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
// `/dashboard/portal/{app_id}` is a subscriber's portal; everything else is the operator's.
const portal = /^\/dashboard\/portal(?:\/([^/]+))?(?:\/|$)/.exec(window.location.pathname);
createRoot(root).render(
  <StrictMode>{portal === null ? <App /> : startPortalPage(portal[1])}</StrictMode>,
);
