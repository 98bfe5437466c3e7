import type { PagesRoute } from '../pages-routes.ts';
import { ApplicationPage, ApplicationsPage } from './applications.tsx';
import { EndpointPage } from './endpoint-detail.tsx';
import { EventTypesPage } from './event-types.tsx';

/** The operator's application, endpoint and event-type pages. */
export function PagesView(props: { route: PagesRoute }) {
  const { route } = props;
  switch (route.page) {
    case 'apps':
      return <ApplicationsPage />;
    case 'app':
      return <ApplicationPage key={route.appId} appId={route.appId} />;
    case 'endpoint':
      return (
        <EndpointPage
          key={`${route.appId}/${route.endpointId}`}
          appId={route.appId}
          endpointId={route.endpointId}
        />
      );
    case 'event-types':
      return <EventTypesPage />;
  }
}
