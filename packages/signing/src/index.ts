export { formatSecret, generateSecret, parseSecret, secretPrefix } from './secret.ts';
export { signatureHeader, signV1, type SignInput, type SigningKey } from './sign.ts';
export {
  asymmetricSecretPrefix,
  formatAsymmetricSecret,
  generateAsymmetricKey,
  parseAsymmetricSecret,
  publicKeyOf,
  publicKeyPrefix,
  signV1a,
} from './ed25519.ts';
