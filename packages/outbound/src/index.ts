export {
  addressPolicy,
  blockedRanges,
  parseNetwork,
  type AddressPolicy,
  type AddressVerdict,
} from './address-policy.ts';
export {
  BlockedAddressError,
  outboundGuard,
  systemResolver,
  type GuardOptions,
  type OutboundGuard,
  type Resolver,
  type UrlVerdict,
} from './guard.ts';
