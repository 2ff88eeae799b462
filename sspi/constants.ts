/**
 * SSPI constants with their Win32 names and values (sspi.h, issper16.h, winerror.h).
 *
 * Source: ../shared/reference/sspi-behaviour.md §3.1–3.6 (values as in Wine's headers and
 * winerror.h). A `SECURITY_STATUS` is an unsigned 32-bit number: `0x80090308`, never negative.
 */

// §3.1 SECURITY_STATUS: success and informational codes

/** The operation completed successfully. (winerror.h `0x00000000`) */
export const SEC_E_OK = 0x00000000;
/** The function completed successfully, but must be called again to complete the context. (winerror.h `0x00090312`) */
export const SEC_I_CONTINUE_NEEDED = 0x00090312;
/** The function completed successfully, but CompleteToken must be called. (winerror.h `0x00090313`) */
export const SEC_I_COMPLETE_NEEDED = 0x00090313;
/** The function completed successfully, but both CompleteToken and this function must be called to complete the context. (winerror.h `0x00090314`) */
export const SEC_I_COMPLETE_AND_CONTINUE = 0x00090314;
/** The logon was completed, but no network authority was available. The logon was made using locally known information. (winerror.h `0x00090315`) */
export const SEC_I_LOCAL_LOGON = 0x00090315;
/** The context has expired and can no longer be used. (winerror.h `0x00090317`) */
export const SEC_I_CONTEXT_EXPIRED = 0x00090317;
/** The credentials supplied were not complete, and could not be verified. Additional information can be returned from the context. (winerror.h `0x00090320`) */
export const SEC_I_INCOMPLETE_CREDENTIALS = 0x00090320;
/** The context data must be renegotiated with the peer. (winerror.h `0x00090321`) */
export const SEC_I_RENEGOTIATE = 0x00090321;
/** There is no LSA mode context associated with this context. (winerror.h `0x00090323`) */
export const SEC_I_NO_LSA_CONTEXT = 0x00090323;
/** A signature operation must be performed before the user can authenticate. (winerror.h `0x0009035C`) */
export const SEC_I_SIGNATURE_NEEDED = 0x0009035C;
/** The recipient rejected the renegotiation request. (winerror.h `0x00090360`) */
export const SEC_I_NO_RENEGOTIATION = 0x00090360;
/** An asynchronous SSPI routine has been called and the work is pending completion. (winerror.h `0x00090368`) */
export const SEC_I_ASYNC_CALL_PENDING = 0x00090368;
/** Not enough memory is available to complete this request. (winerror.h `0x80090300`) */
export const SEC_E_INSUFFICIENT_MEMORY = 0x80090300;
/** The handle specified is invalid. (winerror.h `0x80090301`) */
export const SEC_E_INVALID_HANDLE = 0x80090301;
/** The function requested is not supported. (winerror.h `0x80090302`) */
export const SEC_E_UNSUPPORTED_FUNCTION = 0x80090302;
/** The specified target is unknown or unreachable. (winerror.h `0x80090303`) */
export const SEC_E_TARGET_UNKNOWN = 0x80090303;
/** The Local Security Authority cannot be contacted. (winerror.h `0x80090304`) */
export const SEC_E_INTERNAL_ERROR = 0x80090304;
/** The requested security package does not exist. (winerror.h `0x80090305`) */
export const SEC_E_SECPKG_NOT_FOUND = 0x80090305;
/** The caller is not the owner of the desired credentials. (winerror.h `0x80090306`) */
export const SEC_E_NOT_OWNER = 0x80090306;
/** The security package failed to initialize, and cannot be installed. (winerror.h `0x80090307`) */
export const SEC_E_CANNOT_INSTALL = 0x80090307;
/** The token supplied to the function is invalid. (winerror.h `0x80090308`) */
export const SEC_E_INVALID_TOKEN = 0x80090308;
/** The security package is not able to marshal the logon buffer, so the logon attempt has failed. (winerror.h `0x80090309`) */
export const SEC_E_CANNOT_PACK = 0x80090309;
/** The per-message Quality of Protection is not supported by the security package. (winerror.h `0x8009030A`) */
export const SEC_E_QOP_NOT_SUPPORTED = 0x8009030A;
/** The security context does not allow impersonation of the client. (winerror.h `0x8009030B`) */
export const SEC_E_NO_IMPERSONATION = 0x8009030B;
/** The logon attempt failed. (winerror.h `0x8009030C`) */
export const SEC_E_LOGON_DENIED = 0x8009030C;
/** The credentials supplied to the package were not recognized. (winerror.h `0x8009030D`) */
export const SEC_E_UNKNOWN_CREDENTIALS = 0x8009030D;
/** No credentials are available in the security package. (winerror.h `0x8009030E`) */
export const SEC_E_NO_CREDENTIALS = 0x8009030E;
/** The message or signature supplied for verification has been altered. (winerror.h `0x8009030F`) */
export const SEC_E_MESSAGE_ALTERED = 0x8009030F;
/** The message supplied for verification is out of sequence. (winerror.h `0x80090310`) */
export const SEC_E_OUT_OF_SEQUENCE = 0x80090310;
/** No authority could be contacted for authentication. (winerror.h `0x80090311`) */
export const SEC_E_NO_AUTHENTICATING_AUTHORITY = 0x80090311;
/** The requested security package does not exist. (winerror.h `0x80090316`) */
export const SEC_E_BAD_PKGID = 0x80090316;
/** The context has expired and can no longer be used. (winerror.h `0x80090317`) */
export const SEC_E_CONTEXT_EXPIRED = 0x80090317;
/** The supplied message is incomplete. The signature was not verified. (winerror.h `0x80090318`) */
export const SEC_E_INCOMPLETE_MESSAGE = 0x80090318;
/** The credentials supplied were not complete, and could not be verified. The context could not be initialized. (winerror.h `0x80090320`) */
export const SEC_E_INCOMPLETE_CREDENTIALS = 0x80090320;
/** The buffers supplied to a function was too small. (winerror.h `0x80090321`) */
export const SEC_E_BUFFER_TOO_SMALL = 0x80090321;
/** The target principal name is incorrect. (winerror.h `0x80090322`) */
export const SEC_E_WRONG_PRINCIPAL = 0x80090322;
/** The clocks on the client and server machines are skewed. (winerror.h `0x80090324`) */
export const SEC_E_TIME_SKEW = 0x80090324;
/** The certificate chain was issued by an authority that is not trusted. (winerror.h `0x80090325`) */
export const SEC_E_UNTRUSTED_ROOT = 0x80090325;
/** The message received was unexpected or badly formatted. (winerror.h `0x80090326`) */
export const SEC_E_ILLEGAL_MESSAGE = 0x80090326;
/** An unknown error occurred while processing the certificate. (winerror.h `0x80090327`) */
export const SEC_E_CERT_UNKNOWN = 0x80090327;
/** The received certificate has expired. (winerror.h `0x80090328`) */
export const SEC_E_CERT_EXPIRED = 0x80090328;
/** The specified data could not be encrypted. (winerror.h `0x80090329`) */
export const SEC_E_ENCRYPT_FAILURE = 0x80090329;
/** The specified data could not be decrypted. (winerror.h `0x80090330`) */
export const SEC_E_DECRYPT_FAILURE = 0x80090330;
/** The client and server cannot communicate, because they do not possess a common algorithm. (winerror.h `0x80090331`) */
export const SEC_E_ALGORITHM_MISMATCH = 0x80090331;
/** The security context could not be established due to a failure in the requested quality of service. (winerror.h `0x80090332`) */
export const SEC_E_SECURITY_QOS_FAILED = 0x80090332;
/** A security context was deleted before the context was completed. (winerror.h `0x80090333`) */
export const SEC_E_UNFINISHED_CONTEXT_DELETED = 0x80090333;
/** The client is trying to negotiate a context and the server requires user-to-user but didn't send a TGT reply. (winerror.h `0x80090334`) */
export const SEC_E_NO_TGT_REPLY = 0x80090334;
/** Unable to accomplish the requested task because the local machine does not have any IP addresses. (winerror.h `0x80090335`) */
export const SEC_E_NO_IP_ADDRESSES = 0x80090335;
/** The supplied credential handle does not match the credential associated with the security context. (winerror.h `0x80090336`) */
export const SEC_E_WRONG_CREDENTIAL_HANDLE = 0x80090336;
/** The crypto system or checksum function is invalid because a required function is unavailable. (winerror.h `0x80090337`) */
export const SEC_E_CRYPTO_SYSTEM_INVALID = 0x80090337;
/** The number of maximum ticket referrals has been exceeded. (winerror.h `0x80090338`) */
export const SEC_E_MAX_REFERRALS_EXCEEDED = 0x80090338;
/** The local machine must be a Kerberos KDC (domain controller) and it is not. (winerror.h `0x80090339`) */
export const SEC_E_MUST_BE_KDC = 0x80090339;
/** The other end of the security negotiation requires strong crypto but it is not supported on the local machine. (winerror.h `0x8009033A`) */
export const SEC_E_STRONG_CRYPTO_NOT_SUPPORTED = 0x8009033A;
/** The KDC reply contained more than one principal name. (winerror.h `0x8009033B`) */
export const SEC_E_TOO_MANY_PRINCIPALS = 0x8009033B;
/** Expected to find PA data for a hint of what etype to use, but it was not found. (winerror.h `0x8009033C`) */
export const SEC_E_NO_PA_DATA = 0x8009033C;
/** The client certificate does not contain a valid UPN, or does not match the client name in the logon request. (winerror.h `0x8009033D`) */
export const SEC_E_PKINIT_NAME_MISMATCH = 0x8009033D;
/** Smartcard logon is required and was not used. (winerror.h `0x8009033E`) */
export const SEC_E_SMARTCARD_LOGON_REQUIRED = 0x8009033E;
/** A system shutdown is in progress. (winerror.h `0x8009033F`) */
export const SEC_E_SHUTDOWN_IN_PROGRESS = 0x8009033F;
/** An invalid request was sent to the KDC. (winerror.h `0x80090340`) */
export const SEC_E_KDC_INVALID_REQUEST = 0x80090340;
/** The KDC was unable to generate a referral for the service requested. (winerror.h `0x80090341`) */
export const SEC_E_KDC_UNABLE_TO_REFER = 0x80090341;
/** The encryption type requested is not supported by the KDC. (winerror.h `0x80090342`) */
export const SEC_E_KDC_UNKNOWN_ETYPE = 0x80090342;
/** An unsupported preauthentication mechanism was presented to the Kerberos package. (winerror.h `0x80090343`) */
export const SEC_E_UNSUPPORTED_PREAUTH = 0x80090343;
/** The requested operation cannot be completed. The computer must be trusted for delegation. (winerror.h `0x80090345`) */
export const SEC_E_DELEGATION_REQUIRED = 0x80090345;
/** Client's supplied SSPI channel bindings were incorrect. (winerror.h `0x80090346`) */
export const SEC_E_BAD_BINDINGS = 0x80090346;
/** The received certificate was mapped to multiple accounts. (winerror.h `0x80090347`) */
export const SEC_E_MULTIPLE_ACCOUNTS = 0x80090347;
/** No Kerberos key was found. (winerror.h `0x80090348`) */
export const SEC_E_NO_KERB_KEY = 0x80090348;
/** The certificate is not valid for the requested usage. (winerror.h `0x80090349`) */
export const SEC_E_CERT_WRONG_USAGE = 0x80090349;
/** The system cannot contact a domain controller to service the authentication request, or a downgrade was detected. (winerror.h `0x80090350`) */
export const SEC_E_DOWNGRADE_DETECTED = 0x80090350;
/** The smartcard certificate used for authentication has been revoked. (winerror.h `0x80090351`) */
export const SEC_E_SMARTCARD_CERT_REVOKED = 0x80090351;
/** An untrusted certificate authority was detected while processing the smartcard certificate. (winerror.h `0x80090352`) */
export const SEC_E_ISSUING_CA_UNTRUSTED = 0x80090352;
/** The revocation status of the smartcard certificate could not be determined. (winerror.h `0x80090353`) */
export const SEC_E_REVOCATION_OFFLINE_C = 0x80090353;
/** The smartcard certificate used for authentication was not trusted. (winerror.h `0x80090354`) */
export const SEC_E_PKINIT_CLIENT_FAILURE = 0x80090354;
/** The smartcard certificate used for authentication has expired. (winerror.h `0x80090355`) */
export const SEC_E_SMARTCARD_CERT_EXPIRED = 0x80090355;
/** The Kerberos subsystem encountered an error: a service for user protocol request was made against a domain controller which does not support it. (winerror.h `0x80090356`) */
export const SEC_E_NO_S4U_PROT_SUPPORT = 0x80090356;
/** An attempt was made by this server to make a Kerberos constrained delegation request for a target outside of the server's realm. (winerror.h `0x80090357`) */
export const SEC_E_CROSSREALM_DELEGATION_FAILURE = 0x80090357;
/** The revocation status of the domain controller certificate could not be determined. (winerror.h `0x80090358`) */
export const SEC_E_REVOCATION_OFFLINE_KDC = 0x80090358;
/** An untrusted certificate authority was detected while processing the domain controller certificate. (winerror.h `0x80090359`) */
export const SEC_E_ISSUING_CA_UNTRUSTED_KDC = 0x80090359;
/** The domain controller certificate used for smartcard logon has expired. (winerror.h `0x8009035A`) */
export const SEC_E_KDC_CERT_EXPIRED = 0x8009035A;
/** The domain controller certificate used for smartcard logon has been revoked. (winerror.h `0x8009035B`) */
export const SEC_E_KDC_CERT_REVOKED = 0x8009035B;
/** One or more of the parameters passed to the function was invalid. (winerror.h `0x8009035D`) */
export const SEC_E_INVALID_PARAMETER = 0x8009035D;
/** The client policy does not allow credential delegation to the target server. (winerror.h `0x8009035E`) */
export const SEC_E_DELEGATION_POLICY = 0x8009035E;
/** The client policy does not allow credential delegation to the target server with NLTM only authentication. (winerror.h `0x8009035F`) */
export const SEC_E_POLICY_NLTM_ONLY = 0x8009035F;
/** The requested security context does not exist. (winerror.h `0x80090361`) */
export const SEC_E_NO_CONTEXT = 0x80090361;
/** The PKU2U protocol encountered an error while attempting to utilize the associated certificates. (winerror.h `0x80090362`) */
export const SEC_E_PKU2U_CERT_FAILURE = 0x80090362;
/** The identity of the server computer could not be verified. (winerror.h `0x80090363`) */
export const SEC_E_MUTUAL_AUTH_FAILED = 0x80090363;
/** Alias of `SEC_E_UNSUPPORTED_FUNCTION` (0x80090302). */
export const SEC_E_NOT_SUPPORTED = SEC_E_UNSUPPORTED_FUNCTION;
/** Alias of `SEC_E_INTERNAL_ERROR` (0x80090304). */
export const SEC_E_NO_SPM = SEC_E_INTERNAL_ERROR;

/** One row of the status table: the winerror.h name and message of a `SECURITY_STATUS`. */
export interface StatusInfo {
  /** The winerror.h symbol, e.g. `SEC_E_INVALID_TOKEN`. */
  readonly name: string;
  /** The winerror.h message text. */
  readonly text: string;
}

/** Every `SECURITY_STATUS` this module names, keyed by its unsigned value. */
export const STATUS_TABLE: ReadonlyMap<number, StatusInfo> = new Map<number, StatusInfo>([
  [0x00000000, { name: 'SEC_E_OK', text: 'The operation completed successfully.' }],
  [0x00090312, { name: 'SEC_I_CONTINUE_NEEDED', text: 'The function completed successfully, but must be called again to complete the context.' }],
  [0x00090313, { name: 'SEC_I_COMPLETE_NEEDED', text: 'The function completed successfully, but CompleteToken must be called.' }],
  [0x00090314, { name: 'SEC_I_COMPLETE_AND_CONTINUE', text: 'The function completed successfully, but both CompleteToken and this function must be called to complete the context.' }],
  [0x00090315, { name: 'SEC_I_LOCAL_LOGON', text: 'The logon was completed, but no network authority was available. The logon was made using locally known information.' }],
  [0x00090317, { name: 'SEC_I_CONTEXT_EXPIRED', text: 'The context has expired and can no longer be used.' }],
  [0x00090320, { name: 'SEC_I_INCOMPLETE_CREDENTIALS', text: 'The credentials supplied were not complete, and could not be verified. Additional information can be returned from the context.' }],
  [0x00090321, { name: 'SEC_I_RENEGOTIATE', text: 'The context data must be renegotiated with the peer.' }],
  [0x00090323, { name: 'SEC_I_NO_LSA_CONTEXT', text: 'There is no LSA mode context associated with this context.' }],
  [0x0009035C, { name: 'SEC_I_SIGNATURE_NEEDED', text: 'A signature operation must be performed before the user can authenticate.' }],
  [0x00090360, { name: 'SEC_I_NO_RENEGOTIATION', text: 'The recipient rejected the renegotiation request.' }],
  [0x00090368, { name: 'SEC_I_ASYNC_CALL_PENDING', text: 'An asynchronous SSPI routine has been called and the work is pending completion.' }],
  [0x80090300, { name: 'SEC_E_INSUFFICIENT_MEMORY', text: 'Not enough memory is available to complete this request.' }],
  [0x80090301, { name: 'SEC_E_INVALID_HANDLE', text: 'The handle specified is invalid.' }],
  [0x80090302, { name: 'SEC_E_UNSUPPORTED_FUNCTION', text: 'The function requested is not supported.' }],
  [0x80090303, { name: 'SEC_E_TARGET_UNKNOWN', text: 'The specified target is unknown or unreachable.' }],
  [0x80090304, { name: 'SEC_E_INTERNAL_ERROR', text: 'The Local Security Authority cannot be contacted.' }],
  [0x80090305, { name: 'SEC_E_SECPKG_NOT_FOUND', text: 'The requested security package does not exist.' }],
  [0x80090306, { name: 'SEC_E_NOT_OWNER', text: 'The caller is not the owner of the desired credentials.' }],
  [0x80090307, { name: 'SEC_E_CANNOT_INSTALL', text: 'The security package failed to initialize, and cannot be installed.' }],
  [0x80090308, { name: 'SEC_E_INVALID_TOKEN', text: 'The token supplied to the function is invalid.' }],
  [0x80090309, { name: 'SEC_E_CANNOT_PACK', text: 'The security package is not able to marshal the logon buffer, so the logon attempt has failed.' }],
  [0x8009030A, { name: 'SEC_E_QOP_NOT_SUPPORTED', text: 'The per-message Quality of Protection is not supported by the security package.' }],
  [0x8009030B, { name: 'SEC_E_NO_IMPERSONATION', text: 'The security context does not allow impersonation of the client.' }],
  [0x8009030C, { name: 'SEC_E_LOGON_DENIED', text: 'The logon attempt failed.' }],
  [0x8009030D, { name: 'SEC_E_UNKNOWN_CREDENTIALS', text: 'The credentials supplied to the package were not recognized.' }],
  [0x8009030E, { name: 'SEC_E_NO_CREDENTIALS', text: 'No credentials are available in the security package.' }],
  [0x8009030F, { name: 'SEC_E_MESSAGE_ALTERED', text: 'The message or signature supplied for verification has been altered.' }],
  [0x80090310, { name: 'SEC_E_OUT_OF_SEQUENCE', text: 'The message supplied for verification is out of sequence.' }],
  [0x80090311, { name: 'SEC_E_NO_AUTHENTICATING_AUTHORITY', text: 'No authority could be contacted for authentication.' }],
  [0x80090316, { name: 'SEC_E_BAD_PKGID', text: 'The requested security package does not exist.' }],
  [0x80090317, { name: 'SEC_E_CONTEXT_EXPIRED', text: 'The context has expired and can no longer be used.' }],
  [0x80090318, { name: 'SEC_E_INCOMPLETE_MESSAGE', text: 'The supplied message is incomplete. The signature was not verified.' }],
  [0x80090320, { name: 'SEC_E_INCOMPLETE_CREDENTIALS', text: 'The credentials supplied were not complete, and could not be verified. The context could not be initialized.' }],
  [0x80090321, { name: 'SEC_E_BUFFER_TOO_SMALL', text: 'The buffers supplied to a function was too small.' }],
  [0x80090322, { name: 'SEC_E_WRONG_PRINCIPAL', text: 'The target principal name is incorrect.' }],
  [0x80090324, { name: 'SEC_E_TIME_SKEW', text: 'The clocks on the client and server machines are skewed.' }],
  [0x80090325, { name: 'SEC_E_UNTRUSTED_ROOT', text: 'The certificate chain was issued by an authority that is not trusted.' }],
  [0x80090326, { name: 'SEC_E_ILLEGAL_MESSAGE', text: 'The message received was unexpected or badly formatted.' }],
  [0x80090327, { name: 'SEC_E_CERT_UNKNOWN', text: 'An unknown error occurred while processing the certificate.' }],
  [0x80090328, { name: 'SEC_E_CERT_EXPIRED', text: 'The received certificate has expired.' }],
  [0x80090329, { name: 'SEC_E_ENCRYPT_FAILURE', text: 'The specified data could not be encrypted.' }],
  [0x80090330, { name: 'SEC_E_DECRYPT_FAILURE', text: 'The specified data could not be decrypted.' }],
  [0x80090331, { name: 'SEC_E_ALGORITHM_MISMATCH', text: 'The client and server cannot communicate, because they do not possess a common algorithm.' }],
  [0x80090332, { name: 'SEC_E_SECURITY_QOS_FAILED', text: 'The security context could not be established due to a failure in the requested quality of service.' }],
  [0x80090333, { name: 'SEC_E_UNFINISHED_CONTEXT_DELETED', text: 'A security context was deleted before the context was completed.' }],
  [0x80090334, { name: 'SEC_E_NO_TGT_REPLY', text: 'The client is trying to negotiate a context and the server requires user-to-user but didn\'t send a TGT reply.' }],
  [0x80090335, { name: 'SEC_E_NO_IP_ADDRESSES', text: 'Unable to accomplish the requested task because the local machine does not have any IP addresses.' }],
  [0x80090336, { name: 'SEC_E_WRONG_CREDENTIAL_HANDLE', text: 'The supplied credential handle does not match the credential associated with the security context.' }],
  [0x80090337, { name: 'SEC_E_CRYPTO_SYSTEM_INVALID', text: 'The crypto system or checksum function is invalid because a required function is unavailable.' }],
  [0x80090338, { name: 'SEC_E_MAX_REFERRALS_EXCEEDED', text: 'The number of maximum ticket referrals has been exceeded.' }],
  [0x80090339, { name: 'SEC_E_MUST_BE_KDC', text: 'The local machine must be a Kerberos KDC (domain controller) and it is not.' }],
  [0x8009033A, { name: 'SEC_E_STRONG_CRYPTO_NOT_SUPPORTED', text: 'The other end of the security negotiation requires strong crypto but it is not supported on the local machine.' }],
  [0x8009033B, { name: 'SEC_E_TOO_MANY_PRINCIPALS', text: 'The KDC reply contained more than one principal name.' }],
  [0x8009033C, { name: 'SEC_E_NO_PA_DATA', text: 'Expected to find PA data for a hint of what etype to use, but it was not found.' }],
  [0x8009033D, { name: 'SEC_E_PKINIT_NAME_MISMATCH', text: 'The client certificate does not contain a valid UPN, or does not match the client name in the logon request.' }],
  [0x8009033E, { name: 'SEC_E_SMARTCARD_LOGON_REQUIRED', text: 'Smartcard logon is required and was not used.' }],
  [0x8009033F, { name: 'SEC_E_SHUTDOWN_IN_PROGRESS', text: 'A system shutdown is in progress.' }],
  [0x80090340, { name: 'SEC_E_KDC_INVALID_REQUEST', text: 'An invalid request was sent to the KDC.' }],
  [0x80090341, { name: 'SEC_E_KDC_UNABLE_TO_REFER', text: 'The KDC was unable to generate a referral for the service requested.' }],
  [0x80090342, { name: 'SEC_E_KDC_UNKNOWN_ETYPE', text: 'The encryption type requested is not supported by the KDC.' }],
  [0x80090343, { name: 'SEC_E_UNSUPPORTED_PREAUTH', text: 'An unsupported preauthentication mechanism was presented to the Kerberos package.' }],
  [0x80090345, { name: 'SEC_E_DELEGATION_REQUIRED', text: 'The requested operation cannot be completed. The computer must be trusted for delegation.' }],
  [0x80090346, { name: 'SEC_E_BAD_BINDINGS', text: 'Client\'s supplied SSPI channel bindings were incorrect.' }],
  [0x80090347, { name: 'SEC_E_MULTIPLE_ACCOUNTS', text: 'The received certificate was mapped to multiple accounts.' }],
  [0x80090348, { name: 'SEC_E_NO_KERB_KEY', text: 'No Kerberos key was found.' }],
  [0x80090349, { name: 'SEC_E_CERT_WRONG_USAGE', text: 'The certificate is not valid for the requested usage.' }],
  [0x80090350, { name: 'SEC_E_DOWNGRADE_DETECTED', text: 'The system cannot contact a domain controller to service the authentication request, or a downgrade was detected.' }],
  [0x80090351, { name: 'SEC_E_SMARTCARD_CERT_REVOKED', text: 'The smartcard certificate used for authentication has been revoked.' }],
  [0x80090352, { name: 'SEC_E_ISSUING_CA_UNTRUSTED', text: 'An untrusted certificate authority was detected while processing the smartcard certificate.' }],
  [0x80090353, { name: 'SEC_E_REVOCATION_OFFLINE_C', text: 'The revocation status of the smartcard certificate could not be determined.' }],
  [0x80090354, { name: 'SEC_E_PKINIT_CLIENT_FAILURE', text: 'The smartcard certificate used for authentication was not trusted.' }],
  [0x80090355, { name: 'SEC_E_SMARTCARD_CERT_EXPIRED', text: 'The smartcard certificate used for authentication has expired.' }],
  [0x80090356, { name: 'SEC_E_NO_S4U_PROT_SUPPORT', text: 'The Kerberos subsystem encountered an error: a service for user protocol request was made against a domain controller which does not support it.' }],
  [0x80090357, { name: 'SEC_E_CROSSREALM_DELEGATION_FAILURE', text: 'An attempt was made by this server to make a Kerberos constrained delegation request for a target outside of the server\'s realm.' }],
  [0x80090358, { name: 'SEC_E_REVOCATION_OFFLINE_KDC', text: 'The revocation status of the domain controller certificate could not be determined.' }],
  [0x80090359, { name: 'SEC_E_ISSUING_CA_UNTRUSTED_KDC', text: 'An untrusted certificate authority was detected while processing the domain controller certificate.' }],
  [0x8009035A, { name: 'SEC_E_KDC_CERT_EXPIRED', text: 'The domain controller certificate used for smartcard logon has expired.' }],
  [0x8009035B, { name: 'SEC_E_KDC_CERT_REVOKED', text: 'The domain controller certificate used for smartcard logon has been revoked.' }],
  [0x8009035D, { name: 'SEC_E_INVALID_PARAMETER', text: 'One or more of the parameters passed to the function was invalid.' }],
  [0x8009035E, { name: 'SEC_E_DELEGATION_POLICY', text: 'The client policy does not allow credential delegation to the target server.' }],
  [0x8009035F, { name: 'SEC_E_POLICY_NLTM_ONLY', text: 'The client policy does not allow credential delegation to the target server with NLTM only authentication.' }],
  [0x80090361, { name: 'SEC_E_NO_CONTEXT', text: 'The requested security context does not exist.' }],
  [0x80090362, { name: 'SEC_E_PKU2U_CERT_FAILURE', text: 'The PKU2U protocol encountered an error while attempting to utilize the associated certificates.' }],
  [0x80090363, { name: 'SEC_E_MUTUAL_AUTH_FAILED', text: 'The identity of the server computer could not be verified.' }],
]);


// §3.2 ISC_REQ_* / ISC_RET_* (InitializeSecurityContext)

/** InitializeSecurityContext `fContextReq` bit: delegate. */
export const ISC_REQ_DELEGATE = 0x00000001;
/** InitializeSecurityContext `fContextReq` bit: mutual auth. */
export const ISC_REQ_MUTUAL_AUTH = 0x00000002;
/** InitializeSecurityContext `fContextReq` bit: replay detect. */
export const ISC_REQ_REPLAY_DETECT = 0x00000004;
/** InitializeSecurityContext `fContextReq` bit: sequence detect. */
export const ISC_REQ_SEQUENCE_DETECT = 0x00000008;
/** InitializeSecurityContext `fContextReq` bit: confidentiality. */
export const ISC_REQ_CONFIDENTIALITY = 0x00000010;
/** InitializeSecurityContext `fContextReq` bit: use session key. */
export const ISC_REQ_USE_SESSION_KEY = 0x00000020;
/** InitializeSecurityContext `fContextReq` bit: prompt for creds. */
export const ISC_REQ_PROMPT_FOR_CREDS = 0x00000040;
/** InitializeSecurityContext `fContextReq` bit: use supplied creds. */
export const ISC_REQ_USE_SUPPLIED_CREDS = 0x00000080;
/** InitializeSecurityContext `fContextReq` bit: allocate memory. */
export const ISC_REQ_ALLOCATE_MEMORY = 0x00000100;
/** InitializeSecurityContext `fContextReq` bit: use dce style. */
export const ISC_REQ_USE_DCE_STYLE = 0x00000200;
/** InitializeSecurityContext `fContextReq` bit: datagram. */
export const ISC_REQ_DATAGRAM = 0x00000400;
/** InitializeSecurityContext `fContextReq` bit: connection. */
export const ISC_REQ_CONNECTION = 0x00000800;
/** InitializeSecurityContext `fContextReq` bit: call level. */
export const ISC_REQ_CALL_LEVEL = 0x00001000;
/** InitializeSecurityContext `fContextReq` bit: fragment supplied. */
export const ISC_REQ_FRAGMENT_SUPPLIED = 0x00002000;
/** InitializeSecurityContext `fContextReq` bit: extended error. */
export const ISC_REQ_EXTENDED_ERROR = 0x00004000;
/** InitializeSecurityContext `fContextReq` bit: stream. */
export const ISC_REQ_STREAM = 0x00008000;
/** InitializeSecurityContext `fContextReq` bit: integrity. */
export const ISC_REQ_INTEGRITY = 0x00010000;
/** InitializeSecurityContext `fContextReq` bit: identify. */
export const ISC_REQ_IDENTIFY = 0x00020000;
/** InitializeSecurityContext `fContextReq` bit: null session. */
export const ISC_REQ_NULL_SESSION = 0x00040000;
/** InitializeSecurityContext `fContextReq` bit: manual cred validation. */
export const ISC_REQ_MANUAL_CRED_VALIDATION = 0x00080000;
/** InitializeSecurityContext `fContextReq` bit: reserved1. */
export const ISC_REQ_RESERVED1 = 0x00100000;
/** InitializeSecurityContext `fContextReq` bit: fragment to fit. */
export const ISC_REQ_FRAGMENT_TO_FIT = 0x00200000;
/** InitializeSecurityContext `fContextReq` bit: forward credentials. */
export const ISC_REQ_FORWARD_CREDENTIALS = 0x00400000;
/** InitializeSecurityContext `fContextReq` bit: no integrity. */
export const ISC_REQ_NO_INTEGRITY = 0x00800000;
/** InitializeSecurityContext `fContextReq` bit: use http style. */
export const ISC_REQ_USE_HTTP_STYLE = 0x01000000;
/** InitializeSecurityContext `pfContextAttr` bit: delegate. */
export const ISC_RET_DELEGATE = 0x00000001;
/** InitializeSecurityContext `pfContextAttr` bit: mutual auth. */
export const ISC_RET_MUTUAL_AUTH = 0x00000002;
/** InitializeSecurityContext `pfContextAttr` bit: replay detect. */
export const ISC_RET_REPLAY_DETECT = 0x00000004;
/** InitializeSecurityContext `pfContextAttr` bit: sequence detect. */
export const ISC_RET_SEQUENCE_DETECT = 0x00000008;
/** InitializeSecurityContext `pfContextAttr` bit: confidentiality. */
export const ISC_RET_CONFIDENTIALITY = 0x00000010;
/** InitializeSecurityContext `pfContextAttr` bit: use session key. */
export const ISC_RET_USE_SESSION_KEY = 0x00000020;
/** InitializeSecurityContext `pfContextAttr` bit: used collected creds. */
export const ISC_RET_USED_COLLECTED_CREDS = 0x00000040;
/** InitializeSecurityContext `pfContextAttr` bit: used supplied creds. */
export const ISC_RET_USED_SUPPLIED_CREDS = 0x00000080;
/** InitializeSecurityContext `pfContextAttr` bit: allocated memory. */
export const ISC_RET_ALLOCATED_MEMORY = 0x00000100;
/** InitializeSecurityContext `pfContextAttr` bit: used dce style. */
export const ISC_RET_USED_DCE_STYLE = 0x00000200;
/** InitializeSecurityContext `pfContextAttr` bit: datagram. */
export const ISC_RET_DATAGRAM = 0x00000400;
/** InitializeSecurityContext `pfContextAttr` bit: connection. */
export const ISC_RET_CONNECTION = 0x00000800;
/** InitializeSecurityContext `pfContextAttr` bit: intermediate return. */
export const ISC_RET_INTERMEDIATE_RETURN = 0x00001000;
/** InitializeSecurityContext `pfContextAttr` bit: call level. */
export const ISC_RET_CALL_LEVEL = 0x00002000;
/** InitializeSecurityContext `pfContextAttr` bit: extended error. */
export const ISC_RET_EXTENDED_ERROR = 0x00004000;
/** InitializeSecurityContext `pfContextAttr` bit: stream. */
export const ISC_RET_STREAM = 0x00008000;
/** InitializeSecurityContext `pfContextAttr` bit: integrity. */
export const ISC_RET_INTEGRITY = 0x00010000;
/** InitializeSecurityContext `pfContextAttr` bit: identify. */
export const ISC_RET_IDENTIFY = 0x00020000;
/** InitializeSecurityContext `pfContextAttr` bit: null session. */
export const ISC_RET_NULL_SESSION = 0x00040000;
/** InitializeSecurityContext `pfContextAttr` bit: manual cred validation. */
export const ISC_RET_MANUAL_CRED_VALIDATION = 0x00080000;
/** InitializeSecurityContext `pfContextAttr` bit: reserved1. */
export const ISC_RET_RESERVED1 = 0x00100000;
/** InitializeSecurityContext `pfContextAttr` bit: fragment only. */
export const ISC_RET_FRAGMENT_ONLY = 0x00200000;
/** InitializeSecurityContext `pfContextAttr` bit: forward credentials. */
export const ISC_RET_FORWARD_CREDENTIALS = 0x00400000;
/** InitializeSecurityContext `pfContextAttr` bit: used http style. */
export const ISC_RET_USED_HTTP_STYLE = 0x01000000;

// §3.3 ASC_REQ_* / ASC_RET_* (AcceptSecurityContext): note the shifted bits

/** AcceptSecurityContext `fContextReq` bit: delegate. */
export const ASC_REQ_DELEGATE = 0x00000001;
/** AcceptSecurityContext `fContextReq` bit: mutual auth. */
export const ASC_REQ_MUTUAL_AUTH = 0x00000002;
/** AcceptSecurityContext `fContextReq` bit: replay detect. */
export const ASC_REQ_REPLAY_DETECT = 0x00000004;
/** AcceptSecurityContext `fContextReq` bit: sequence detect. */
export const ASC_REQ_SEQUENCE_DETECT = 0x00000008;
/** AcceptSecurityContext `fContextReq` bit: confidentiality. */
export const ASC_REQ_CONFIDENTIALITY = 0x00000010;
/** AcceptSecurityContext `fContextReq` bit: use session key. */
export const ASC_REQ_USE_SESSION_KEY = 0x00000020;
/** AcceptSecurityContext `fContextReq` bit: allocate memory. */
export const ASC_REQ_ALLOCATE_MEMORY = 0x00000100;
/** AcceptSecurityContext `fContextReq` bit: use dce style. */
export const ASC_REQ_USE_DCE_STYLE = 0x00000200;
/** AcceptSecurityContext `fContextReq` bit: datagram. */
export const ASC_REQ_DATAGRAM = 0x00000400;
/** AcceptSecurityContext `fContextReq` bit: connection. */
export const ASC_REQ_CONNECTION = 0x00000800;
/** AcceptSecurityContext `fContextReq` bit: call level. */
export const ASC_REQ_CALL_LEVEL = 0x00001000;
/** AcceptSecurityContext `fContextReq` bit: fragment supplied. */
export const ASC_REQ_FRAGMENT_SUPPLIED = 0x00002000;
/** AcceptSecurityContext `fContextReq` bit: extended error. */
export const ASC_REQ_EXTENDED_ERROR = 0x00008000;
/** AcceptSecurityContext `fContextReq` bit: stream. */
export const ASC_REQ_STREAM = 0x00010000;
/** AcceptSecurityContext `fContextReq` bit: integrity. */
export const ASC_REQ_INTEGRITY = 0x00020000;
/** AcceptSecurityContext `fContextReq` bit: licensing. */
export const ASC_REQ_LICENSING = 0x00040000;
/** AcceptSecurityContext `fContextReq` bit: identify. */
export const ASC_REQ_IDENTIFY = 0x00080000;
/** AcceptSecurityContext `fContextReq` bit: allow null session. */
export const ASC_REQ_ALLOW_NULL_SESSION = 0x00100000;
/** AcceptSecurityContext `fContextReq` bit: allow non user logons. */
export const ASC_REQ_ALLOW_NON_USER_LOGONS = 0x00200000;
/** AcceptSecurityContext `fContextReq` bit: allow context replay. */
export const ASC_REQ_ALLOW_CONTEXT_REPLAY = 0x00400000;
/** AcceptSecurityContext `fContextReq` bit: fragment to fit. */
export const ASC_REQ_FRAGMENT_TO_FIT = 0x00800000;
/** AcceptSecurityContext `fContextReq` bit: no token. */
export const ASC_REQ_NO_TOKEN = 0x01000000;
/** AcceptSecurityContext `fContextReq` bit: proxy bindings. */
export const ASC_REQ_PROXY_BINDINGS = 0x04000000;
/** AcceptSecurityContext `fContextReq` bit: allow missing bindings. */
export const ASC_REQ_ALLOW_MISSING_BINDINGS = 0x10000000;
/** Alias of `ASC_REQ_NO_TOKEN` (0x01000000). */
export const ASC_REQ_FRAGMENT_NO_TOKEN = ASC_REQ_NO_TOKEN;
/** AcceptSecurityContext `pfContextAttr` bit: delegate. */
export const ASC_RET_DELEGATE = 0x00000001;
/** AcceptSecurityContext `pfContextAttr` bit: mutual auth. */
export const ASC_RET_MUTUAL_AUTH = 0x00000002;
/** AcceptSecurityContext `pfContextAttr` bit: replay detect. */
export const ASC_RET_REPLAY_DETECT = 0x00000004;
/** AcceptSecurityContext `pfContextAttr` bit: sequence detect. */
export const ASC_RET_SEQUENCE_DETECT = 0x00000008;
/** AcceptSecurityContext `pfContextAttr` bit: confidentiality. */
export const ASC_RET_CONFIDENTIALITY = 0x00000010;
/** AcceptSecurityContext `pfContextAttr` bit: use session key. */
export const ASC_RET_USE_SESSION_KEY = 0x00000020;
/** AcceptSecurityContext `pfContextAttr` bit: allocated memory. */
export const ASC_RET_ALLOCATED_MEMORY = 0x00000100;
/** AcceptSecurityContext `pfContextAttr` bit: used dce style. */
export const ASC_RET_USED_DCE_STYLE = 0x00000200;
/** AcceptSecurityContext `pfContextAttr` bit: datagram. */
export const ASC_RET_DATAGRAM = 0x00000400;
/** AcceptSecurityContext `pfContextAttr` bit: connection. */
export const ASC_RET_CONNECTION = 0x00000800;
/** AcceptSecurityContext `pfContextAttr` bit: call level. */
export const ASC_RET_CALL_LEVEL = 0x00002000;
/** AcceptSecurityContext `pfContextAttr` bit: third leg failed. */
export const ASC_RET_THIRD_LEG_FAILED = 0x00004000;
/** AcceptSecurityContext `pfContextAttr` bit: extended error. */
export const ASC_RET_EXTENDED_ERROR = 0x00008000;
/** AcceptSecurityContext `pfContextAttr` bit: stream. */
export const ASC_RET_STREAM = 0x00010000;
/** AcceptSecurityContext `pfContextAttr` bit: integrity. */
export const ASC_RET_INTEGRITY = 0x00020000;
/** AcceptSecurityContext `pfContextAttr` bit: licensing. */
export const ASC_RET_LICENSING = 0x00040000;
/** AcceptSecurityContext `pfContextAttr` bit: identify. */
export const ASC_RET_IDENTIFY = 0x00080000;
/** AcceptSecurityContext `pfContextAttr` bit: null session. */
export const ASC_RET_NULL_SESSION = 0x00100000;
/** AcceptSecurityContext `pfContextAttr` bit: allow non user logons. */
export const ASC_RET_ALLOW_NON_USER_LOGONS = 0x00200000;
/** AcceptSecurityContext `pfContextAttr` bit: allow context replay. */
export const ASC_RET_ALLOW_CONTEXT_REPLAY = 0x00400000;
/** AcceptSecurityContext `pfContextAttr` bit: fragment only. */
export const ASC_RET_FRAGMENT_ONLY = 0x00800000;
/** AcceptSecurityContext `pfContextAttr` bit: no token. */
export const ASC_RET_NO_TOKEN = 0x01000000;
/** AcceptSecurityContext `pfContextAttr` bit: no proxy bindings. */
export const ASC_RET_NO_PROXY_BINDINGS = 0x04000000;
/** AcceptSecurityContext `pfContextAttr` bit: missing bindings. */
export const ASC_RET_MISSING_BINDINGS = 0x10000000;

// §3.4 SecBuffer types and attribute flags

/** `SecBufferDesc.ulVersion` value. */
export const SECBUFFER_VERSION = 0x0;
/** SecBuffer type `SECBUFFER_EMPTY` (0). */
export const SECBUFFER_EMPTY = 0;
/** SecBuffer type `SECBUFFER_DATA` (1). */
export const SECBUFFER_DATA = 1;
/** SecBuffer type `SECBUFFER_TOKEN` (2). */
export const SECBUFFER_TOKEN = 2;
/** SecBuffer type `SECBUFFER_PKG_PARAMS` (3). */
export const SECBUFFER_PKG_PARAMS = 3;
/** SecBuffer type `SECBUFFER_MISSING` (4). */
export const SECBUFFER_MISSING = 4;
/** SecBuffer type `SECBUFFER_EXTRA` (5). */
export const SECBUFFER_EXTRA = 5;
/** SecBuffer type `SECBUFFER_STREAM_TRAILER` (6). */
export const SECBUFFER_STREAM_TRAILER = 6;
/** SecBuffer type `SECBUFFER_STREAM_HEADER` (7). */
export const SECBUFFER_STREAM_HEADER = 7;
/** SecBuffer type `SECBUFFER_NEGOTIATION_INFO` (8). */
export const SECBUFFER_NEGOTIATION_INFO = 8;
/** SecBuffer type `SECBUFFER_PADDING` (9). */
export const SECBUFFER_PADDING = 9;
/** SecBuffer type `SECBUFFER_STREAM` (10). */
export const SECBUFFER_STREAM = 10;
/** SecBuffer type `SECBUFFER_MECHLIST` (11). */
export const SECBUFFER_MECHLIST = 11;
/** SecBuffer type `SECBUFFER_MECHLIST_SIGNATURE` (12). */
export const SECBUFFER_MECHLIST_SIGNATURE = 12;
/** SecBuffer type `SECBUFFER_TARGET` (13). */
export const SECBUFFER_TARGET = 13;
/** SecBuffer type `SECBUFFER_CHANNEL_BINDINGS` (14). */
export const SECBUFFER_CHANNEL_BINDINGS = 14;
/** SecBuffer type `SECBUFFER_CHANGE_PASS_RESPONSE` (15). */
export const SECBUFFER_CHANGE_PASS_RESPONSE = 15;
/** SecBuffer type `SECBUFFER_TARGET_HOST` (16). */
export const SECBUFFER_TARGET_HOST = 16;
/** SecBuffer type `SECBUFFER_ALERT` (17). */
export const SECBUFFER_ALERT = 17;
/** SecBuffer type `SECBUFFER_APPLICATION_PROTOCOLS` (18). */
export const SECBUFFER_APPLICATION_PROTOCOLS = 18;
/** SecBuffer type `SECBUFFER_DTLS_MTU` (24). */
export const SECBUFFER_DTLS_MTU = 24;
/** SecBuffer attribute bits `SECBUFFER_ATTRMASK` (ORed into `BufferType`). */
export const SECBUFFER_ATTRMASK = 0xF0000000;
/** SecBuffer attribute bits `SECBUFFER_READONLY` (ORed into `BufferType`). */
export const SECBUFFER_READONLY = 0x80000000;
/** SecBuffer attribute bits `SECBUFFER_READONLY_WITH_CHECKSUM` (ORed into `BufferType`). */
export const SECBUFFER_READONLY_WITH_CHECKSUM = 0x10000000;
/** SecBuffer attribute bits `SECBUFFER_RESERVED` (ORed into `BufferType`). */
export const SECBUFFER_RESERVED = 0x60000000;
/** Every SecBuffer type (attribute bits masked off) that cesim knows. */
export const KNOWN_SECBUFFER_TYPES: ReadonlySet<number> = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24]);

// §3.5 Context attributes (QueryContextAttributes)

/** Context attribute `SECPKG_ATTR_SIZES` (0). */
export const SECPKG_ATTR_SIZES = 0;
/** Context attribute `SECPKG_ATTR_NAMES` (1). */
export const SECPKG_ATTR_NAMES = 1;
/** Context attribute `SECPKG_ATTR_LIFESPAN` (2). */
export const SECPKG_ATTR_LIFESPAN = 2;
/** Context attribute `SECPKG_ATTR_DCE_INFO` (3). */
export const SECPKG_ATTR_DCE_INFO = 3;
/** Context attribute `SECPKG_ATTR_STREAM_SIZES` (4). */
export const SECPKG_ATTR_STREAM_SIZES = 4;
/** Context attribute `SECPKG_ATTR_KEY_INFO` (5). */
export const SECPKG_ATTR_KEY_INFO = 5;
/** Context attribute `SECPKG_ATTR_AUTHORITY` (6). */
export const SECPKG_ATTR_AUTHORITY = 6;
/** Context attribute `SECPKG_ATTR_PROTO_INFO` (7). */
export const SECPKG_ATTR_PROTO_INFO = 7;
/** Context attribute `SECPKG_ATTR_PASSWORD_EXPIRY` (8). */
export const SECPKG_ATTR_PASSWORD_EXPIRY = 8;
/** Context attribute `SECPKG_ATTR_SESSION_KEY` (9). */
export const SECPKG_ATTR_SESSION_KEY = 9;
/** Context attribute `SECPKG_ATTR_PACKAGE_INFO` (10). */
export const SECPKG_ATTR_PACKAGE_INFO = 10;
/** Context attribute `SECPKG_ATTR_USER_FLAGS` (11). */
export const SECPKG_ATTR_USER_FLAGS = 11;
/** Context attribute `SECPKG_ATTR_NEGOTIATION_INFO` (12). */
export const SECPKG_ATTR_NEGOTIATION_INFO = 12;
/** Context attribute `SECPKG_ATTR_NATIVE_NAMES` (13). */
export const SECPKG_ATTR_NATIVE_NAMES = 13;
/** Context attribute `SECPKG_ATTR_FLAGS` (14). */
export const SECPKG_ATTR_FLAGS = 14;
/** Context attribute `SECPKG_ATTR_USE_VALIDATED` (15). */
export const SECPKG_ATTR_USE_VALIDATED = 15;
/** Context attribute `SECPKG_ATTR_CREDENTIAL_NAME` (16). */
export const SECPKG_ATTR_CREDENTIAL_NAME = 16;
/** Context attribute `SECPKG_ATTR_TARGET_INFORMATION` (17). */
export const SECPKG_ATTR_TARGET_INFORMATION = 17;
/** Context attribute `SECPKG_ATTR_ACCESS_TOKEN` (18). */
export const SECPKG_ATTR_ACCESS_TOKEN = 18;
/** Context attribute `SECPKG_ATTR_TARGET` (19). */
export const SECPKG_ATTR_TARGET = 19;
/** Context attribute `SECPKG_ATTR_AUTHENTICATION_ID` (20). */
export const SECPKG_ATTR_AUTHENTICATION_ID = 20;
/** Context attribute `SECPKG_ATTR_LOGOFF_TIME` (21). */
export const SECPKG_ATTR_LOGOFF_TIME = 21;
/** Context attribute `SECPKG_ATTR_NEGO_KEYS` (22). */
export const SECPKG_ATTR_NEGO_KEYS = 22;
/** Context attribute `SECPKG_ATTR_PROMPTING_NEEDED` (24). */
export const SECPKG_ATTR_PROMPTING_NEEDED = 24;
/** Context attribute `SECPKG_ATTR_UNIQUE_BINDINGS` (25). */
export const SECPKG_ATTR_UNIQUE_BINDINGS = 25;
/** Context attribute `SECPKG_ATTR_ENDPOINT_BINDINGS` (26). */
export const SECPKG_ATTR_ENDPOINT_BINDINGS = 26;
/** Context attribute `SECPKG_ATTR_CLIENT_SPECIFIED_TARGET` (27). */
export const SECPKG_ATTR_CLIENT_SPECIFIED_TARGET = 27;
/** Context attribute `SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS` (30). */
export const SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS = 30;
/** Context attribute `SECPKG_ATTR_NEGO_PKG_INFO` (31). */
export const SECPKG_ATTR_NEGO_PKG_INFO = 31;
/** Context attribute `SECPKG_ATTR_NEGO_STATUS` (32). */
export const SECPKG_ATTR_NEGO_STATUS = 32;
/**
 * cesim context attribute (QueryContextAttributes): whether the package's exchange requires the
 * SPNEGO mechListMIC (`SecPkgContext_MechListMicRequired`). NTLM answers 1 when its AUTHENTICATE
 * message carried a MIC (MS-SPNG §3.1.5.1). Windows keeps this between lsass's packages; cesim's
 * Negotiate asks through the dispatcher, as MIT SPNEGO asks gss-ntlmssp for
 * GSS_SPNEGO_REQUIRE_MIC (1.3.6.1.4.1.7165.655.1.2). The value is outside Microsoft's range.
 */
export const SECPKG_ATTR_CESIM_MECHLIST_MIC_REQUIRED = 0xce000001;
/**
 * cesim context attribute (SetContextAttributes, `SecPkgContext_ResetCrypto`): resets the RC4
 * state of the sending (`fVerifier` 0) or receiving (1) seal handle after the mechListMIC, so the
 * MIC and the first message use the same key state (MS-SPNG §3.3.5.1); the analogue of
 * gss-ntlmssp's GSS_NTLMSSP_RESET_CRYPTO_OID (1.3.6.1.4.1.7165.655.1.3).
 */
export const SECPKG_ATTR_CESIM_RESET_CRYPTO = 0xce000002;
/** Context attribute `SECPKG_ATTR_CONTEXT_DELETED` (33). */
export const SECPKG_ATTR_CONTEXT_DELETED = 33;
/** Context attribute `SECPKG_ATTR_APPLICATION_PROTOCOL` (35). */
export const SECPKG_ATTR_APPLICATION_PROTOCOL = 35;
/** Context attribute `SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES` (128). */
export const SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES = 128;
/** Schannel attribute `SECPKG_ATTR_ISSUER_LIST` (0x50). */
export const SECPKG_ATTR_ISSUER_LIST = 0x50;
/** Schannel attribute `SECPKG_ATTR_REMOTE_CRED` (0x51). */
export const SECPKG_ATTR_REMOTE_CRED = 0x51;
/** Schannel attribute `SECPKG_ATTR_LOCAL_CRED` (0x52). */
export const SECPKG_ATTR_LOCAL_CRED = 0x52;
/** Schannel attribute `SECPKG_ATTR_REMOTE_CERT_CONTEXT` (0x53). */
export const SECPKG_ATTR_REMOTE_CERT_CONTEXT = 0x53;
/** Schannel attribute `SECPKG_ATTR_LOCAL_CERT_CONTEXT` (0x54). */
export const SECPKG_ATTR_LOCAL_CERT_CONTEXT = 0x54;
/** Schannel attribute `SECPKG_ATTR_ROOT_STORE` (0x55). */
export const SECPKG_ATTR_ROOT_STORE = 0x55;
/** Schannel attribute `SECPKG_ATTR_SUPPORTED_ALGS` (0x56). */
export const SECPKG_ATTR_SUPPORTED_ALGS = 0x56;
/** Schannel attribute `SECPKG_ATTR_CIPHER_STRENGTHS` (0x57). */
export const SECPKG_ATTR_CIPHER_STRENGTHS = 0x57;
/** Schannel attribute `SECPKG_ATTR_SUPPORTED_PROTOCOLS` (0x58). */
export const SECPKG_ATTR_SUPPORTED_PROTOCOLS = 0x58;
/** Schannel attribute `SECPKG_ATTR_ISSUER_LIST_EX` (0x59). */
export const SECPKG_ATTR_ISSUER_LIST_EX = 0x59;
/** Schannel attribute `SECPKG_ATTR_CONNECTION_INFO` (0x5A). */
export const SECPKG_ATTR_CONNECTION_INFO = 0x5A;
/** Schannel attribute `SECPKG_ATTR_EAP_KEY_BLOCK` (0x5B). */
export const SECPKG_ATTR_EAP_KEY_BLOCK = 0x5B;
/** Schannel attribute `SECPKG_ATTR_MAPPED_CRED_ATTR` (0x5C). */
export const SECPKG_ATTR_MAPPED_CRED_ATTR = 0x5C;
/** Schannel attribute `SECPKG_ATTR_SESSION_INFO` (0x5D). */
export const SECPKG_ATTR_SESSION_INFO = 0x5D;
/** Schannel attribute `SECPKG_ATTR_APP_DATA` (0x5E). */
export const SECPKG_ATTR_APP_DATA = 0x5E;
/** Schannel attribute `SECPKG_ATTR_REMOTE_CERTIFICATES` (0x5F). */
export const SECPKG_ATTR_REMOTE_CERTIFICATES = 0x5F;
/** Schannel attribute `SECPKG_ATTR_CLIENT_CERT_POLICY` (0x60). */
export const SECPKG_ATTR_CLIENT_CERT_POLICY = 0x60;
/** Schannel attribute `SECPKG_ATTR_CC_POLICY_RESULT` (0x61). */
export const SECPKG_ATTR_CC_POLICY_RESULT = 0x61;
/** Schannel attribute `SECPKG_ATTR_USE_NCRYPT` (0x62). */
export const SECPKG_ATTR_USE_NCRYPT = 0x62;
/** Schannel attribute `SECPKG_ATTR_LOCAL_CERT_INFO` (0x63). */
export const SECPKG_ATTR_LOCAL_CERT_INFO = 0x63;
/** Schannel attribute `SECPKG_ATTR_CIPHER_INFO` (0x64). */
export const SECPKG_ATTR_CIPHER_INFO = 0x64;
/** Schannel attribute `SECPKG_ATTR_EAP_PRF_INFO` (0x65). */
export const SECPKG_ATTR_EAP_PRF_INFO = 0x65;
/** Schannel attribute `SECPKG_ATTR_SUPPORTED_SIGNATURES` (0x66). */
export const SECPKG_ATTR_SUPPORTED_SIGNATURES = 0x66;
/** Schannel attribute `SECPKG_ATTR_REMOTE_CERT_CHAIN` (0x67). */
export const SECPKG_ATTR_REMOTE_CERT_CHAIN = 0x67;
/** `SecPkgContext_CipherInfo.dwVersion` value (`SECPKGCONTEXT_CIPHERINFO_V1`). */
export const SECPKGCONTEXT_CIPHERINFO_V1 = 1;
/** Size in WCHARs of the name fields of `SecPkgContext_CipherInfo` (`SZ_ALG_MAX_SIZE`). */
export const SZ_ALG_MAX_SIZE = 64;
/** Credential attribute `SECPKG_CRED_ATTR_NAMES` (1). */
export const SECPKG_CRED_ATTR_NAMES = 1;
/** `SecPkgContext_NegotiationInfo.NegotiationState`: complete (0). */
export const SECPKG_NEGOTIATION_COMPLETE = 0;
/** `SecPkgContext_NegotiationInfo.NegotiationState`: optimistic (1). */
export const SECPKG_NEGOTIATION_OPTIMISTIC = 1;
/** `SecPkgContext_NegotiationInfo.NegotiationState`: in_progress (2). */
export const SECPKG_NEGOTIATION_IN_PROGRESS = 2;
/** `SecPkgContext_NegotiationInfo.NegotiationState`: direct (3). */
export const SECPKG_NEGOTIATION_DIRECT = 3;
/** `SecPkgContext_NegotiationInfo.NegotiationState`: try_multicred (4). */
export const SECPKG_NEGOTIATION_TRY_MULTICRED = 4;
/** ALPN value `SecApplicationProtocolNegotiationStatus_None` (0). */
export const SecApplicationProtocolNegotiationStatus_None = 0;
/** ALPN value `SecApplicationProtocolNegotiationStatus_Success` (1). */
export const SecApplicationProtocolNegotiationStatus_Success = 1;
/** ALPN value `SecApplicationProtocolNegotiationStatus_SelectedClientOnly` (2). */
export const SecApplicationProtocolNegotiationStatus_SelectedClientOnly = 2;
/** ALPN value `SecApplicationProtocolNegotiationExt_None` (0). */
export const SecApplicationProtocolNegotiationExt_None = 0;
/** ALPN value `SecApplicationProtocolNegotiationExt_NPN` (1). */
export const SecApplicationProtocolNegotiationExt_NPN = 1;
/** ALPN value `SecApplicationProtocolNegotiationExt_ALPN` (2). */
export const SecApplicationProtocolNegotiationExt_ALPN = 2;
/** ALPN value `MAX_PROTOCOL_ID_SIZE` (255). */
export const MAX_PROTOCOL_ID_SIZE = 255;

// §3.6 Other SSPI constants

/** `fCredentialUse` value `SECPKG_CRED_INBOUND`. */
export const SECPKG_CRED_INBOUND = 0x00000001;
/** `fCredentialUse` value `SECPKG_CRED_OUTBOUND`. */
export const SECPKG_CRED_OUTBOUND = 0x00000002;
/** `fCredentialUse` value `SECPKG_CRED_BOTH`. */
export const SECPKG_CRED_BOTH = 0x00000003;
/** `fCredentialUse` value `SECPKG_CRED_DEFAULT`. */
export const SECPKG_CRED_DEFAULT = 0x00000004;
/** `fCredentialUse` value `SECPKG_CRED_AUTOLOGON_RESTRICTED`. */
export const SECPKG_CRED_AUTOLOGON_RESTRICTED = 0x00000010;
/** `fCredentialUse` value `SECPKG_CRED_PROCESS_POLICY_ONLY`. */
export const SECPKG_CRED_PROCESS_POLICY_ONLY = 0x00000020;
/** `fCredentialUse` value `SECPKG_CRED_RESERVED`. */
export const SECPKG_CRED_RESERVED = 0xF0000000;
/** `TargetDataRep`: native byte order. */
export const SECURITY_NATIVE_DREP = 0x00000010;
/** `TargetDataRep`: network byte order. */
export const SECURITY_NETWORK_DREP = 0x00000000;
/** `fQOP` for EncryptMessage: sign only, do not encrypt. */
export const SECQOP_WRAP_NO_ENCRYPT = 0x80000001;
/** `SEC_WINNT_AUTH_IDENTITY.Flags`: ANSI strings. */
export const SEC_WINNT_AUTH_IDENTITY_ANSI = 0x00000001;
/** `SEC_WINNT_AUTH_IDENTITY.Flags`: Unicode strings. */
export const SEC_WINNT_AUTH_IDENTITY_UNICODE = 0x00000002;
/** `SEC_WINNT_AUTH_IDENTITY_EX.Version`. */
export const SEC_WINNT_AUTH_IDENTITY_VERSION = 0x00000200;
/** `SEC_WINNT_AUTH_IDENTITY_EX2.Version`. */
export const SEC_WINNT_AUTH_IDENTITY_VERSION_2 = 0x00000201;
/** `SecurityFunctionTable.dwVersion` (check 5). */
export const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION = 0x00000001;
/** `SecurityFunctionTable.dwVersion` of the later table with SetContextAttributes. */
export const SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2 = 0x00000002;
/** RPC authentication service id: none. */
export const RPC_C_AUTHN_NONE = 0x00000000;
/** RPC authentication service id of Negotiate. */
export const RPC_C_AUTHN_GSS_NEGOTIATE = 0x00000009;
/** RPC authentication service id of NTLM. */
export const RPC_C_AUTHN_WINNT = 0x0000000A;
/** RPC authentication service id of Schannel (`RPC_C_AUTHN_GSS_SCHANNEL`). */
export const UNISP_RPC_ID = 0x0000000E;
/** RPC authentication service id of Schannel. */
export const RPC_C_AUTHN_GSS_SCHANNEL = 0x0000000E;
/** RPC authentication service id of Kerberos. */
export const RPC_C_AUTHN_GSS_KERBEROS = 0x00000010;
/** `SecPkgInfo.wRPCID` of a package with no RPC id. */
export const SECPKG_ID_NONE = 0x0000FFFF;

// §3.6 SECPKG_FLAG_* (SecPkgInfo.fCapabilities)

/** `fCapabilities` bit `SECPKG_FLAG_INTEGRITY`. */
export const SECPKG_FLAG_INTEGRITY = 0x00000001;
/** `fCapabilities` bit `SECPKG_FLAG_PRIVACY`. */
export const SECPKG_FLAG_PRIVACY = 0x00000002;
/** `fCapabilities` bit `SECPKG_FLAG_TOKEN_ONLY`. */
export const SECPKG_FLAG_TOKEN_ONLY = 0x00000004;
/** `fCapabilities` bit `SECPKG_FLAG_DATAGRAM`. */
export const SECPKG_FLAG_DATAGRAM = 0x00000008;
/** `fCapabilities` bit `SECPKG_FLAG_CONNECTION`. */
export const SECPKG_FLAG_CONNECTION = 0x00000010;
/** `fCapabilities` bit `SECPKG_FLAG_MULTI_REQUIRED`. */
export const SECPKG_FLAG_MULTI_REQUIRED = 0x00000020;
/** `fCapabilities` bit `SECPKG_FLAG_CLIENT_ONLY`. */
export const SECPKG_FLAG_CLIENT_ONLY = 0x00000040;
/** `fCapabilities` bit `SECPKG_FLAG_EXTENDED_ERROR`. */
export const SECPKG_FLAG_EXTENDED_ERROR = 0x00000080;
/** `fCapabilities` bit `SECPKG_FLAG_IMPERSONATION`. */
export const SECPKG_FLAG_IMPERSONATION = 0x00000100;
/** `fCapabilities` bit `SECPKG_FLAG_ACCEPT_WIN32_NAME`. */
export const SECPKG_FLAG_ACCEPT_WIN32_NAME = 0x00000200;
/** `fCapabilities` bit `SECPKG_FLAG_STREAM`. */
export const SECPKG_FLAG_STREAM = 0x00000400;
/** `fCapabilities` bit `SECPKG_FLAG_NEGOTIABLE`. */
export const SECPKG_FLAG_NEGOTIABLE = 0x00000800;
/** `fCapabilities` bit `SECPKG_FLAG_GSS_COMPATIBLE`. */
export const SECPKG_FLAG_GSS_COMPATIBLE = 0x00001000;
/** `fCapabilities` bit `SECPKG_FLAG_LOGON`. */
export const SECPKG_FLAG_LOGON = 0x00002000;
/** `fCapabilities` bit `SECPKG_FLAG_ASCII_BUFFERS`. */
export const SECPKG_FLAG_ASCII_BUFFERS = 0x00004000;
/** `fCapabilities` bit `SECPKG_FLAG_FRAGMENT`. */
export const SECPKG_FLAG_FRAGMENT = 0x00008000;
/** `fCapabilities` bit `SECPKG_FLAG_MUTUAL_AUTH`. */
export const SECPKG_FLAG_MUTUAL_AUTH = 0x00010000;
/** `fCapabilities` bit `SECPKG_FLAG_DELEGATION`. */
export const SECPKG_FLAG_DELEGATION = 0x00020000;
/** `fCapabilities` bit `SECPKG_FLAG_READONLY_WITH_CHECKSUM`. */
export const SECPKG_FLAG_READONLY_WITH_CHECKSUM = 0x00040000;
/** `fCapabilities` bit `SECPKG_FLAG_RESTRICTED_TOKENS`. */
export const SECPKG_FLAG_RESTRICTED_TOKENS = 0x00080000;
/** `fCapabilities` bit `SECPKG_FLAG_NEGO_EXTENDER`. */
export const SECPKG_FLAG_NEGO_EXTENDER = 0x00100000;
/** `fCapabilities` bit `SECPKG_FLAG_NEGOTIABLE2`. */
export const SECPKG_FLAG_NEGOTIABLE2 = 0x00200000;
/** `fCapabilities` bit `SECPKG_FLAG_APPCONTAINER_PASSTHROUGH`. */
export const SECPKG_FLAG_APPCONTAINER_PASSTHROUGH = 0x00400000;
/** `fCapabilities` bit `SECPKG_FLAG_APPCONTAINER_CHECKS`. */
export const SECPKG_FLAG_APPCONTAINER_CHECKS = 0x00800000;
/** `fCapabilities` bit `SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED`. */
export const SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED = 0x01000000;
/** `fCapabilities` bit `SECPKG_FLAG_APPLY_LOOPBACK`. */
export const SECPKG_FLAG_APPLY_LOOPBACK = 0x02000000;
