// What the signed-in user may do. An operator (signed in with an API key) may do everything;
// a subscriber in the portal only what the portal token's capabilities open. Pages ask
// `useCan()` before showing a control, so a read-only link shows nothing that changes
// anything (the API refuses it anyway).
import { createContext, useContext } from 'react';

/** Svix's AppPortalCapability values, as the API issues them. */
export type Capability =
  | 'ViewBase'
  | 'ViewEndpointSecret'
  | 'ManageEndpointSecret'
  | 'ManageTransformations'
  | 'CreateAttempts'
  | 'ManageEndpoint';

export interface PortalScope {
  /** The one application the portal shows. */
  appId: string;
  capabilities: ReadonlySet<Capability>;
}

const PortalContext = createContext<PortalScope | undefined>(undefined);

export const PortalProvider = PortalContext.Provider;

/** The portal's scope, or undefined in the operator's dashboard. */
export function usePortal(): PortalScope | undefined {
  return useContext(PortalContext);
}

/** Whether the user may do what `capability` opens. */
export function useCan(): (capability: Capability) => boolean {
  const portal = useContext(PortalContext);
  return (capability) => portal === undefined || portal.capabilities.has(capability);
}
