#ifndef C_ADWATCH_OPENSSL_SHIM_H
#define C_ADWATCH_OPENSSL_SHIM_H

// The parts of the system libcrypto (OpenSSL 3, Debian libssl-dev) that AdWatch uses:
// one-shot HMAC with EVP_sha256, one-shot SHA-256, and CRYPTO_memcmp for constant-time comparison.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/rand.h>

#endif
