export { CA_CERT_FILE, CA_KEY_FILE, CaError, loadOrCreateCa } from './authority';
export type { CaErrorCode, LoadedCa, LoadOrCreateCaOptions } from './authority';
export { LeafCertificates } from './leaf-certs';
export type { LeafCertificatesOptions } from './leaf-certs';
