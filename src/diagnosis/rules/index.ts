/**
 * The explicit table of diagnosis rules: one rule per file beside this one, ids as in ../shared/RULES.md, each
 * documented in docs/diagnoses.md (a test keeps the three in step). Findings are listed in this order, so the
 * sections follow the life of a request: transport, authentication, request shape, paths, server side.
 */
import type { Rule } from '../rule';
// Transport: no HTTP response reached proxydoc, or the client gave up.
import { upstreamDnsFailure } from './upstream-dns-failure';
import { upstreamConnectionRefused } from './upstream-connection-refused';
import { upstreamConnectTimeout } from './upstream-connect-timeout';
import { upstreamTlsError } from './upstream-tls-error';
import { upstreamReset } from './upstream-reset';
import { clientRejectedProxyCa } from './client-rejected-proxy-ca';
import { clientAborted } from './client-aborted';
// Authentication and authorization.
import { authMissing } from './auth-missing';
import { authHeaderMisspelled } from './auth-header-misspelled';
import { authSchemeMismatch } from './auth-scheme-mismatch';
import { tokenExpired } from './token-expired';
import { tokenNotYetValid } from './token-not-yet-valid';
import { insufficientScope } from './insufficient-scope';
import { oauthError } from './oauth-error';
import { anonymousRestrictedResource } from './anonymous-restricted-resource';
import { authFailureLoop } from './auth-failure-loop';
import { forbidden } from './forbidden';
// Request shape.
import { missingContentType } from './missing-content-type';
import { contentTypeMismatch } from './content-type-mismatch';
import { invalidJsonBody } from './invalid-json-body';
import { validationFailed } from './validation-failed';
import { methodNotAllowed } from './method-not-allowed';
import { notAcceptable } from './not-acceptable';
import { conflict } from './conflict';
import { preconditionFailed } from './precondition-failed';
import { payloadTooLarge } from './payload-too-large';
import { uriTooLong } from './uri-too-long';
import { headersTooLarge } from './headers-too-large';
import { plainHttpToHttpsPort } from './plain-http-to-https-port';
import { spamOrCaptcha } from './spam-or-captcha';
// Paths and routing.
import { encodedSlash } from './encoded-slash';
import { doubleSlashOrDotSegment } from './double-slash-or-dot-segment';
import { redirectHazard } from './redirect-hazard';
import { notFound } from './not-found';
// Server side and intermediaries.
import { rateLimited } from './rate-limited';
import { retryIgnored } from './retry-ignored';
import { serverError } from './server-error';
import { badGateway } from './bad-gateway';
import { serviceUnavailable } from './service-unavailable';
import { gatewayTimeout } from './gateway-timeout';

export const RULES: readonly Rule[] = [
  upstreamDnsFailure,
  upstreamConnectionRefused,
  upstreamConnectTimeout,
  upstreamTlsError,
  upstreamReset,
  clientRejectedProxyCa,
  clientAborted,
  authMissing,
  authHeaderMisspelled,
  authSchemeMismatch,
  tokenExpired,
  tokenNotYetValid,
  insufficientScope,
  oauthError,
  anonymousRestrictedResource,
  authFailureLoop,
  forbidden,
  missingContentType,
  contentTypeMismatch,
  invalidJsonBody,
  validationFailed,
  methodNotAllowed,
  notAcceptable,
  conflict,
  preconditionFailed,
  payloadTooLarge,
  uriTooLong,
  headersTooLarge,
  plainHttpToHttpsPort,
  spamOrCaptcha,
  encodedSlash,
  doubleSlashOrDotSegment,
  redirectHazard,
  notFound,
  rateLimited,
  retryIgnored,
  serverError,
  badGateway,
  serviceUnavailable,
  gatewayTimeout,
];
