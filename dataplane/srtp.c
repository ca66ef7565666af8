/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp.c: a leg's SRTP and SRTCP through libsrtp2 (see srtp.h).
 */
#include "srtp.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/hmac.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/crypto_types.h>
#include <srtp2/srtp.h>

struct arena;

/* A leg's two sessions and what makes them. */
struct dp_srtp {
	srtp_t rx, tx;		/* NULL: no key for that direction yet */
	struct arena *rx_mem, *tx_mem;	/* the blocks they are in */
	uint32_t rx_span, tx_span;	/* bytes of each given out */
	uint8_t rx_suite, tx_suite;	/* enum shm_srtp_suite */
	uint32_t tx_ssrc;
	/* the keys of rx and tx: one given again changes nothing; tx's for
	 * dp_srtp_set_ssrc() too */
	uint8_t rx_key[SHM_SRTP_KEY_BYTES];
	uint8_t tx_key[SHM_SRTP_KEY_BYTES];
	/* dp_srtp_rx_index(): where the peer's stream hint_ssrc was, for
	 * its first packet to authenticate here (hint: not yet) */
	bool hint;
	uint16_t hint_seq;
	uint32_t hint_ssrc, hint_roc;
};

/* SRTCP's tag is 80 bits with either suite (RFC 4568 6.2.1-6.2.2); its
 * trailer adds the 4-byte E flag and index. */
static bool
policy_of(srtp_policy_t *p, uint8_t suite)
{
	memset(p, 0, sizeof(*p));
	switch (suite) {
	case SHM_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		break;
	case SHM_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		break;
	default:
		return false;
	}
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	p->window_size = 128;	/* RFC 3711 3.3.2: at least 64 */
	p->allow_repeat_tx = 0;
	return true;
}

/*
 * ---- a session's memory in one block ----
 *
 * libsrtp keeps a session in a dozen heap objects (its context, stream
 * list, streams, keys, replay window, key limit, and the cipher's and
 * MAC's), and a packet walks from one to the next, each address read from
 * the one before: with thousands of legs, a chain of cache misses a packet.
 * libsrtp allocates and frees them through srtp_crypto_alloc() and
 * srtp_crypto_free(), exported by libsrtp2 and called through its PLT:
 * these two take their place (ELF interposition: an executable's
 * definition comes first). While this thread makes or uses a session
 * (arena_cur), what libsrtp asks for is put in that session's block, in
 * order; otherwise, or once the block is full, it is calloc's. Each
 * allocation's header says which; a block's are freed with it, after
 * srtp_dealloc() (session_free()). dp_srtp_mem() tells a test whether
 * libsrtp's allocations come here at all.
 */
#define ARENA_BYTES	1536	/* a session: ~0.9 kB; the peer's stream: 0.3 */

struct arena {
	uint32_t used;		/* bytes of mem[] given out */
	uint32_t spilled;	/* allocations that did not fit: calloc's */
	uint8_t mem[ARENA_BYTES] __attribute__((aligned(64)));
};

/* Before each allocation: its block (NULL: calloc's) */
struct chunk {
	struct arena *in;
	uint64_t size;
};

static __thread struct arena *arena_cur;
/* the ciphers and MACs made since arena_use(): the first of each is the
 * RTP one, which a packet uses; SRTCP's and the key derivation's (freed
 * at once) go outside the block, which a packet's look ahead takes whole
 * (dp_srtp_prefetch()) */
static __thread unsigned int arena_ciphers, arena_auths;
/* allocations put in a block on this thread: a packet's (a new SSRC's
 * stream) changes its session's span */
static __thread uint32_t arena_allocs;
/* allocations on this thread that did not fit their session's block */
static __thread uint64_t arena_spills;

/* What libsrtp allocates from now on goes in a (NULL: calloc's) */
static inline void
arena_use(struct arena *a)
{
	arena_cur = a;
	arena_ciphers = arena_auths = 0;
}

static struct arena *
arena_new(void)
{
	struct arena *a = aligned_alloc(64, sizeof(struct arena));

	if (a != NULL) {
		a->used = 0;
		a->spilled = 0;
	}
	return a;
}

/* A block and what it holds (keys: wiped) go (NULL: nothing). */
static void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	explicit_bzero(a->mem, a->used);
	free(a);
}

void *srtp_crypto_alloc(size_t size);
void srtp_crypto_free(void *ptr);

/* libsrtp's allocation (crypto/kernel/alloc.c: zeroed, NULL for 0) */
void *
srtp_crypto_alloc(size_t size)
{
	struct arena *a = arena_cur;
	size_t need = sizeof(struct chunk) + (size + 15) / 16 * 16;
	struct chunk *c;

	if (size == 0)
		return NULL;
	if (a != NULL && need <= ARENA_BYTES - a->used) {
		c = (struct chunk *)(a->mem + a->used);
		a->used += (uint32_t)need;
		arena_allocs++;
		c->in = a;
		memset(c + 1, 0, size);
	} else {
		if (a != NULL) {
			a->spilled++;
			arena_spills++;
		}
		c = calloc(1, sizeof(*c) + size);
		if (c == NULL)
			return NULL;
	}
	c->size = size;
	return c + 1;
}

/* libsrtp's free: calloc's go now, a block's with the block */
void
srtp_crypto_free(void *ptr)
{
	struct chunk *c;

	if (ptr == NULL)
		return;
	c = (struct chunk *)ptr - 1;
	if (c->in == NULL) {
		explicit_bzero(ptr, c->size);
		free(c);
	}
}

/* A session for one direction: what the peer sends (any SSRC: a stream is
 * made at each new one's first authenticated packet), or what tutti-dp
 * sends with ssrc. */
static int
session_make(srtp_t *out, struct arena **mem, uint8_t dir, uint8_t suite,
	     const uint8_t key[SHM_SRTP_KEY_BYTES], uint32_t ssrc)
{
	uint8_t k[SHM_SRTP_KEY_BYTES];
	srtp_policy_t p;
	srtp_err_status_t st;

	if (!policy_of(&p, suite))
		return -EINVAL;
	*mem = arena_new();
	if (*mem == NULL)
		return -ENOMEM;
	if (dir == SHM_SRTP_RX) {
		p.ssrc.type = ssrc_any_inbound;
	} else {
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = ssrc;
	}
	memcpy(k, key, sizeof(k));	/* libsrtp's key is not const */
	p.key = k;
	arena_use(*mem);
	st = srtp_create(out, &p);
	arena_use(NULL);
	explicit_bzero(k, sizeof(k));
	if (st != srtp_err_status_ok) {
		arena_free(*mem);
		*mem = NULL;
		return -EIO;
	}
	return 0;
}

/* What dp_srtp_prefetch() asks for: each block's bytes given out */
static void
spans_update(struct dp_srtp *s)
{
	s->rx_span = s->rx_mem != NULL ? s->rx_mem->used : 0;
	s->tx_span = s->tx_mem != NULL ? s->tx_mem->used : 0;
}

/* A session and its block go (NULL: nothing). */
static void
session_free(srtp_t *ctx, struct arena **mem)
{
	if (*ctx != NULL)
		srtp_dealloc(*ctx);
	arena_free(*mem);
	*ctx = NULL;
	*mem = NULL;
}

/*
 * ---- libsrtp's AES-CM-128 and HMAC-SHA1, on nettle ----
 *
 * Debian's libsrtp2 does its cryptography through NSS, which allocates,
 * takes locks and looks up hash tables for each packet (about 2.2 us to
 * protect a G.711 packet on the project machine). libsrtp keeps the SRTP
 * protocol (key derivation, rollover counter, replay window, SRTCP); these
 * two types replace its ones for AES_CM_128 (SRTP_AES_ICM_128) and
 * HMAC_SHA1 (srtp_replace_cipher_type(), srtp_replace_auth_type()): each
 * session's state allocated once when made, nothing per packet but the
 * computation (nettle: AES-NI and SHA-NI where the CPU has them). libsrtp
 * checks each against its test vector (RFC 3711 B.2, RFC 2202) as it takes
 * it, and the tests check packets against a libsrtp session of NSS's.
 */

#define ICM_BLOCKS	16	/* keystream blocks made at once */

static const srtp_cipher_type_t icm_type;
static const srtp_auth_type_t sha1h_type;

struct icm {
	struct aes128_ctx aes;
	uint8_t offset[16];	/* the salt, then 16 zero bits */
	uint8_t ctr[16];	/* the next block's counter */
	uint8_t ks[16];		/* the keystream block being used */
	unsigned int ks_left;	/* its bytes not used yet (at its end) */
};

/* A libsrtp cipher or auth object of size n and its state of size state_n
 * in one zeroed allocation of libsrtp's (so in the session's block if it
 * is the session's first of its kind, *nth 0), the state 16-byte aligned
 * after the object, *state; NULL without memory. */
static size_t
obj_head(size_t n)
{
	return (n + 15) / 16 * 16;
}

static void *
obj_alloc(size_t n, size_t state_n, void **state, unsigned int *nth)
{
	struct arena *a = arena_cur;
	void *o;

	if ((*nth)++ != 0)
		arena_cur = NULL;
	o = srtp_crypto_alloc(obj_head(n) + state_n);
	arena_cur = a;
	if (o == NULL)
		return NULL;
	*state = (uint8_t *)o + obj_head(n);
	return o;
}

/* obj_alloc()'s object and its state (its keys wiped) go. */
static srtp_err_status_t
obj_free(void *o, void *state, size_t state_n)
{
	explicit_bzero(state, state_n);
	srtp_crypto_free(o);
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	srtp_cipher_t *c;
	void *st;

	(void)tag_len;
	if (key_len != SRTP_AES_ICM_128_KEY_LEN_WSALT)
		return srtp_err_status_bad_param;
	c = obj_alloc(sizeof(*c), sizeof(struct icm), &st, &arena_ciphers);
	if (c == NULL)
		return srtp_err_status_alloc_fail;
	c->state = st;
	c->type = &icm_type;
	c->algorithm = SRTP_AES_ICM_128;
	c->key_len = key_len;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_dealloc(srtp_cipher_pointer_t c)
{
	return obj_free(c, c->state, sizeof(struct icm));
}

/* key: the AES key (16 bytes), then the salt (14) */
static srtp_err_status_t
icm_init(void *state, const uint8_t *key)
{
	struct icm *x = state;

	aes128_set_encrypt_key(&x->aes, key);
	memset(x->offset, 0, sizeof(x->offset));
	memcpy(x->offset, key + 16, 14);
	x->ks_left = 0;
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct icm *x = state;

	(void)dir;
	for (int i = 0; i < 16; i++)
		x->ctr[i] = x->offset[i] ^ iv[i];
	x->ks_left = 0;
	return srtp_err_status_ok;
}

/* The counter's low 16 bits one up (RFC 3711 4.1.1: the block counter) */
static inline void
icm_next(uint8_t ctr[16])
{
	if (++ctr[15] == 0)
		ctr[14]++;
}

static srtp_err_status_t
icm_crypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct icm *x = state;
	uint8_t blocks[ICM_BLOCKS * 16];
	unsigned int n = *len, k;

	for (; x->ks_left != 0 && n != 0; n--, x->ks_left--)
		*buf++ ^= x->ks[16 - x->ks_left];
	while (n >= 16) {
		unsigned int nb = n / 16 < ICM_BLOCKS ? n / 16 : ICM_BLOCKS;

		for (k = 0; k < nb; k++) {
			memcpy(blocks + 16 * k, x->ctr, 16);
			icm_next(x->ctr);
		}
		aes128_encrypt(&x->aes, 16 * nb, blocks, blocks);
		for (k = 0; k < 16 * nb; k += 8) {	/* 8 bytes at a time */
			uint64_t a, b;

			memcpy(&a, buf + k, 8);
			memcpy(&b, blocks + k, 8);
			a ^= b;
			memcpy(buf + k, &a, 8);
		}
		explicit_bzero(blocks, 16 * nb);
		buf += 16 * nb;
		n -= 16 * nb;
	}
	if (n != 0) {
		aes128_encrypt(&x->aes, 16, x->ks, x->ctr);
		icm_next(x->ctr);
		for (k = 0; k < n; k++)
			buf[k] ^= x->ks[k];
		x->ks_left = 16 - n;
	}
	return srtp_err_status_ok;
}

/* RFC 3711 B.2: the keystream's first two blocks for this key and salt */
static const uint8_t icm_key[30] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15,
	0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
	0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
};
static uint8_t icm_idx[16];
static const uint8_t icm_zeros[32];
static const uint8_t icm_stream[32] = {
	0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
	0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
	0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab,
};
static const srtp_cipher_test_case_t icm_test = {
	.key_length_octets = 30, .key = icm_key, .idx = icm_idx,
	.plaintext_length_octets = 32, .plaintext = icm_zeros,
	.ciphertext_length_octets = 32, .ciphertext = icm_stream,
};
static const srtp_cipher_type_t icm_type = {
	.alloc = icm_alloc, .dealloc = icm_dealloc, .init = icm_init,
	.encrypt = icm_crypt, .decrypt = icm_crypt, .set_iv = icm_set_iv,
	.description = "AES-128 counter mode (tutti: nettle)",
	.test_data = &icm_test, .id = SRTP_AES_ICM_128,
};

/*
 * HMAC-SHA1 (RFC 2104) kept as the two SHA-1 states the key makes (after
 * its inner and its outer padded block): 80 bytes a session, not nettle's
 * hmac_sha1_ctx's 288 (twice: as the key left it and being used), which a
 * packet copied. A MAC being computed is the worker thread's own (libsrtp
 * starts, updates and computes a packet's in one call); a session whose
 * MAC is not the one started is refused (srtp_err_status_bad_param).
 */
#define SHA1_MID	offsetof(struct sha1_ctx, block)

struct sha1h {
	uint8_t in[SHA1_MID], out[SHA1_MID];	/* a sha1_ctx's head */
};

/* What a packet's MAC is being computed in, on this thread */
static __thread struct sha1_ctx sha1h_work;
static __thread const struct sha1h *sha1h_owner;

/* nettle's buffered bytes are behind the head copied (index 0: none) */
_Static_assert(offsetof(struct sha1_ctx, index) < SHA1_MID &&
	       offsetof(struct sha1_ctx, count) < SHA1_MID &&
	       offsetof(struct sha1_ctx, state) < SHA1_MID,
	       "sha1_ctx: its state, count and index before its block");

static srtp_err_status_t
sha1h_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	srtp_auth_t *a;
	void *st;

	if (key_len < 0 || key_len > 20 || out_len < 0 ||
	    out_len > SHA1_DIGEST_SIZE)
		return srtp_err_status_bad_param;
	a = obj_alloc(sizeof(*a), sizeof(struct sha1h), &st, &arena_auths);
	if (a == NULL)
		return srtp_err_status_alloc_fail;
	a->state = st;
	a->type = &sha1h_type;
	a->out_len = out_len;
	a->key_len = key_len;
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t
sha1h_dealloc(srtp_auth_pointer_t a)
{
	if (sha1h_owner == a->state)
		sha1h_owner = NULL;
	return obj_free(a, a->state, sizeof(struct sha1h));
}

static srtp_err_status_t
sha1h_init(void *state, const uint8_t *key, int key_len)
{
	struct sha1h *h = state;
	struct hmac_sha1_ctx k;

	hmac_sha1_set_key(&k, (size_t)key_len, key);
	memcpy(h->in, &k.inner, SHA1_MID);
	memcpy(h->out, &k.outer, SHA1_MID);
	explicit_bzero(&k, sizeof(k));
	return srtp_err_status_ok;
}

static srtp_err_status_t
sha1h_start(void *state)
{
	const struct sha1h *h = state;

	memcpy(&sha1h_work, h->in, SHA1_MID);
	sha1h_owner = h;
	return srtp_err_status_ok;
}

static srtp_err_status_t
sha1h_update(void *state, const uint8_t *buf, int len)
{
	if (sha1h_owner != state || len < 0)
		return srtp_err_status_bad_param;
	sha1_update(&sha1h_work, (size_t)len, buf);
	return srtp_err_status_ok;
}

static srtp_err_status_t
sha1h_compute(void *state, const uint8_t *buf, int len, int tag_len,
	     uint8_t *tag)
{
	const struct sha1h *h = state;
	uint8_t d[SHA1_DIGEST_SIZE];

	if (tag_len < 0 || tag_len > SHA1_DIGEST_SIZE ||
	    sha1h_update(state, buf, len) != srtp_err_status_ok)
		return srtp_err_status_bad_param;
	sha1_digest(&sha1h_work, sizeof(d), d);
	memcpy(&sha1h_work, h->out, SHA1_MID);
	sha1_update(&sha1h_work, sizeof(d), d);
	sha1_digest(&sha1h_work, (size_t)tag_len, tag);
	sha1h_owner = NULL;
	return srtp_err_status_ok;
}

/* RFC 2202 test case 1 */
static const uint8_t sha1h_key[20] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t sha1h_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r',
				      'e' };
static const uint8_t sha1h_tag[20] = {
	0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
	0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const srtp_auth_test_case_t sha1h_test = {
	.key_length_octets = 20, .key = sha1h_key, .data_length_octets = 8,
	.data = sha1h_data, .tag_length_octets = 20, .tag = sha1h_tag,
};
static const srtp_auth_type_t sha1h_type = {
	.alloc = sha1h_alloc, .dealloc = sha1h_dealloc, .init = sha1h_init,
	.compute = sha1h_compute, .update = sha1h_update, .start = sha1h_start,
	.description = "HMAC-SHA1 (tutti: nettle)", .test_data = &sha1h_test,
	.id = SRTP_HMAC_SHA1,
};

int
dp_srtp_init(void)
{
	if (srtp_init() != srtp_err_status_ok)
		return -EIO;
	if (srtp_replace_cipher_type(&icm_type, SRTP_AES_ICM_128) !=
	    srtp_err_status_ok ||
	    srtp_replace_auth_type(&sha1h_type, SRTP_HMAC_SHA1) !=
	    srtp_err_status_ok) {
		srtp_shutdown();
		return -EIO;
	}
	return 0;
}

void
dp_srtp_fini(void)
{
	srtp_shutdown();
}

struct dp_srtp *
dp_srtp_new(void)
{
	return calloc(1, sizeof(struct dp_srtp));
}

void
dp_srtp_free(struct dp_srtp *s)
{
	if (s == NULL)
		return;
	session_free(&s->rx, &s->rx_mem);
	session_free(&s->tx, &s->tx_mem);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
dp_srtp_set_key(struct dp_srtp *s, uint8_t dir, uint8_t suite,
		const uint8_t key[SHM_SRTP_KEY_BYTES], uint32_t ssrc)
{
	struct arena *mem;
	srtp_t n;
	int rc;

	if (dir != SHM_SRTP_RX && dir != SHM_SRTP_TX)
		return -EINVAL;
	/* the key it has: its session goes on (rollover counter, replay
	 * window), as a control plane sending its legs again expects */
	if (dir == SHM_SRTP_RX ? s->rx != NULL && s->rx_suite == suite &&
				 memcmp(s->rx_key, key, sizeof(s->rx_key)) == 0 :
				 s->tx != NULL && s->tx_suite == suite &&
				 s->tx_ssrc == ssrc &&
				 memcmp(s->tx_key, key, sizeof(s->tx_key)) == 0)
		return 0;
	rc = session_make(&n, &mem, dir, suite, key, ssrc);
	if (rc < 0)
		return rc;
	if (dir == SHM_SRTP_RX) {
		session_free(&s->rx, &s->rx_mem);
		s->rx = n;
		s->rx_mem = mem;
		s->rx_suite = suite;
		s->hint = false;
		memcpy(s->rx_key, key, sizeof(s->rx_key));
	} else {
		session_free(&s->tx, &s->tx_mem);
		s->tx = n;
		s->tx_mem = mem;
		s->tx_suite = suite;
		s->tx_ssrc = ssrc;
		memcpy(s->tx_key, key, sizeof(s->tx_key));
	}
	spans_update(s);
	return 0;
}

int
dp_srtp_set_ssrc(struct dp_srtp *s, uint32_t ssrc)
{
	if (s->tx == NULL || s->tx_ssrc == ssrc)
		return 0;
	return dp_srtp_set_key(s, SHM_SRTP_TX, s->tx_suite, s->tx_key, ssrc);
}

int
dp_srtp_rx_index(struct dp_srtp *s, uint32_t ssrc, uint32_t roc, uint16_t seq)
{
	uint32_t had;

	if (s->rx == NULL)
		return -ENOENT;
	if (srtp_get_stream_roc(s->rx, ssrc, &had) == srtp_err_status_ok)
		return -EALREADY;	/* its stream goes on */
	s->hint = true;
	s->hint_ssrc = ssrc;
	s->hint_roc = roc;
	s->hint_seq = seq;
	return 0;
}

int
dp_srtp_rx_roc(struct dp_srtp *s, uint32_t ssrc, uint32_t *roc)
{
	if (s->rx == NULL ||
	    srtp_get_stream_roc(s->rx, ssrc, roc) != srtp_err_status_ok)
		return -ENOENT;
	return 0;
}

/* An RTP packet's SSRC (bytes 8-11, big-endian). */
static inline uint32_t
ssrc_of(const uint8_t *p)
{
	return (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	       (uint32_t)p[10] << 8 | p[11];
}

/* RFC 3711 3.3.1: the rollover counter of sequence number seq, from the
 * highest index known, roc and s_l. */
static uint32_t
roc_guess(uint32_t roc, uint16_t s_l, uint16_t seq)
{
	if (s_l < 32768)
		return seq > s_l && seq - s_l > 32768 && roc > 0 ? roc - 1 :
								     roc;
	return seq < s_l - 32768 ? roc + 1 : roc;
}

/*
 * The hinted stream's rollover counter set for RTP packet p (SSRC and
 * sequence number read before it is authenticated: it goes on only if it
 * does), its stream made first (the session's template makes one only
 * for a packet that authenticates, at rollover counter 0). False if
 * libsrtp refused.
 */
static bool
hint_apply(struct dp_srtp *s, const uint8_t *p)
{
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	uint32_t roc = roc_guess(s->hint_roc, s->hint_seq, seq);
	srtp_policy_t pol;
	uint8_t k[SHM_SRTP_KEY_BYTES];
	srtp_err_status_t st;

	if (srtp_set_stream_roc(s->rx, s->hint_ssrc, roc) ==
	    srtp_err_status_ok)
		return true;
	if (!policy_of(&pol, s->rx_suite))
		return false;
	pol.ssrc.type = ssrc_specific;
	pol.ssrc.value = s->hint_ssrc;
	memcpy(k, s->rx_key, sizeof(k));
	pol.key = k;
	arena_use(s->rx_mem);
	st = srtp_add_stream(s->rx, &pol);
	arena_use(NULL);
	spans_update(s);
	explicit_bzero(k, sizeof(k));
	return st == srtp_err_status_ok &&
	       srtp_set_stream_roc(s->rx, s->hint_ssrc, roc) ==
		       srtp_err_status_ok;
}

void
dp_srtp_prefetch(const struct dp_srtp *s, bool in)
{
	const struct arena *a = in ? s->rx_mem : s->tx_mem;
	uint32_t span = in ? s->rx_span : s->tx_span;

	if (a == NULL)
		return;
	for (uint32_t o = 0; o < span; o += 64)
		__builtin_prefetch(a->mem + o);
}

uint64_t
dp_srtp_spills(void)
{
	return arena_spills;
}

void
dp_srtp_mem(const struct dp_srtp *s, uint32_t *used, uint32_t *spilled)
{
	const struct arena *m[2] = { s->rx_mem, s->tx_mem };

	*used = *spilled = 0;
	for (int i = 0; i < 2; i++) {
		if (m[i] != NULL) {
			*used += m[i]->used;
			*spilled += m[i]->spilled;
		}
	}
}

bool
dp_srtp_ready(const struct dp_srtp *s)
{
	return s->rx != NULL && s->tx != NULL;
}

static unsigned int
why_of(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_auth_fail:
		return DP_SRTP_DROP_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return DP_SRTP_DROP_REPLAY;
	default:
		return DP_SRTP_DROP_OTHER;
	}
}

/* libsrtp's call for a packet in (unprotect) or out, RTP or RTCP */
static int
srtp_run(struct dp_srtp *s, bool in, bool rtcp, uint8_t *p, uint32_t *len,
	 unsigned int *why)
{
	srtp_err_status_t st;
	int n = (int)*len;
	uint32_t made;
	bool hinted;

	if (s->rx == NULL || s->tx == NULL) {
		*why = in ? DP_SRTP_DROP_NO_KEY : DP_SRTP_DROP_TX_NO_KEY;
		return -1;
	}
	/* in: shorter than an RTP header and a tag, or than an RTCP header,
	 * an index and a tag (libsrtp would say so too, as a parse error) */
	if (in && n < (rtcp ? 8 + 4 + 10 : 12 + 4)) {
		*why = DP_SRTP_DROP_OTHER;
		return -1;
	}
	hinted = in && !rtcp && s->hint && ssrc_of(p) == s->hint_ssrc;
	if (hinted && !hint_apply(s, p)) {
		*why = DP_SRTP_DROP_OTHER;
		return -1;
	}
	/* a stream libsrtp makes for a new SSRC goes in the session's block */
	made = arena_allocs;
	arena_use(in ? s->rx_mem : s->tx_mem);
	if (in)
		st = rtcp ? srtp_unprotect_rtcp(s->rx, p, &n) :
			    srtp_unprotect(s->rx, p, &n);
	else
		st = rtcp ? srtp_protect_rtcp(s->tx, p, &n) :
			    srtp_protect(s->tx, p, &n);
	arena_use(NULL);
	if (__builtin_expect(made != arena_allocs, 0))
		spans_update(s);
	if (st != srtp_err_status_ok) {
		*why = why_of(st);
		return -1;
	}
	if (hinted)
		s->hint = false;	/* it authenticated: the stream is on */
	*len = (uint32_t)n;
	return 0;
}

int
dp_srtp_unprotect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		  unsigned int *why)
{
	return srtp_run(s, true, rtcp, p, len, why);
}

int
dp_srtp_protect(struct dp_srtp *s, bool rtcp, uint8_t *p, uint32_t *len,
		unsigned int *why)
{
	return srtp_run(s, false, rtcp, p, len, why);
}

uint32_t
dp_srtp_tag_len(uint8_t suite)
{
	return suite == SHM_SRTP_AES_CM_128_HMAC_SHA1_32 ? 4 : 10;
}

uint8_t
dp_srtp_tx_suite(const struct dp_srtp *s)
{
	return s->tx != NULL ? s->tx_suite : SHM_SRTP_NONE;
}

const char *
dp_srtp_drop_name(unsigned int why)
{
	static const char *const names[DP_SRTP_DROP_MAX_] = {
		[DP_SRTP_DROP_AUTH] = "auth",
		[DP_SRTP_DROP_REPLAY] = "replay",
		[DP_SRTP_DROP_NO_KEY] = "no_key",
		[DP_SRTP_DROP_TX_NO_KEY] = "tx_no_key",
		[DP_SRTP_DROP_OTHER] = "other",
	};

	return why < DP_SRTP_DROP_MAX_ ? names[why] : "?";
}
