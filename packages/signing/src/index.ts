export { formatSecret, generateSecret, parseSecret, secretPrefix } from './secret.ts';
export { signatureHeader, signV1, type SignInput } from './sign.ts';
