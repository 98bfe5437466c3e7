import { EventTypeCatalogue } from '../components/event-type-catalogue.tsx';

export function EventTypesPage() {
  return (
    <>
      <h1>Event types</h1>
      <p className="hint">
        What this tenant sends: each type with its description, its newest schema and examples.
        Subscribers choose among them when they filter an endpoint.
      </p>
      <EventTypeCatalogue />
    </>
  );
}
