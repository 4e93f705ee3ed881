/*
 * secrets.c
 *     The one scrubber every string from a remote party passes through before
 *     it reaches a message, a notice or the log.
 *
 * The backend registers each secret as it comes to know it: the client
 * secret and refresh token of a user mapping when a call resolves it, each
 * access token when Login with Amazon hands it out.  ras_remote_text() then
 *   - masks every run of the text that is a piece of a registered secret at
 *     least RAS_SECRET_PIECE bytes long, as it is or percent-encoded, so that
 *     a whole secret, a secret cut short and a secret in a form body are all
 *     masked;
 *   - only then cuts the text to the length asked for, so that no cut can
 *     hide a secret from the masking;
 *   - replaces control characters, so a remote string cannot forge lines.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "ras.h"

/* Shorter echoes are not taken for a secret: "Bearer" or a JSON key would. */
#define RAS_SECRET_PIECE	8
#define RAS_MAX_SECRETS		64

static char *secrets[RAS_MAX_SECRETS];
static int	nsecrets = 0;

/*
 * Registers s as the newest secret.  One known already becomes the newest
 * again: what the backend still uses (a user mapping's secrets, registered
 * at each call) is never the oldest, which goes when the list is full.
 */
static void
register_one(const char *s)
{
	for (int i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], s) == 0)
		{
			char	   *known = secrets[i];

			memmove(secrets + i, secrets + i + 1, sizeof(char *) * (nsecrets - i - 1));
			secrets[nsecrets - 1] = known;
			return;
		}
	if (nsecrets == RAS_MAX_SECRETS)
	{
		/* forget the oldest, leaving nothing of it in freed memory */
		explicit_bzero(secrets[0], strlen(secrets[0]));
		pfree(secrets[0]);
		memmove(secrets, secrets + 1, sizeof(char *) * (RAS_MAX_SECRETS - 1));
		nsecrets--;
	}
	secrets[nsecrets++] = MemoryContextStrdup(TopMemoryContext, s);
}

/* Registers a secret, as it is and as a form body carries it. */
void
ras_secret_register(const char *secret)
{
	StringInfoData encoded;

	if (secret == NULL || strlen(secret) < RAS_SECRET_PIECE)
		return;
	register_one(secret);
	initStringInfo(&encoded);
	ras_form_escape(&encoded, secret);
	if (strcmp(encoded.data, secret) != 0)
		register_one(encoded.data);
	explicit_bzero(encoded.data, encoded.len);
	pfree(encoded.data);
}

/* Marks in masked[] every byte of text inside a piece of secret. */
static void
mark_pieces(const char *text, size_t len, const char *secret, bool *masked)
{
	size_t		slen = strlen(secret);

	for (size_t i = 0; i + RAS_SECRET_PIECE <= len; i++)
	{
		size_t		best = 0;

		/* the longest piece of secret that starts at text[i] */
		for (const char *at = secret;
			 (at = memchr(at, text[i], slen - (at - secret))) != NULL; at++)
		{
			size_t		n = 0;
			size_t		avail = slen - (at - secret);

			while (n < avail && i + n < len && text[i + n] == at[n])
				n++;
			best = Max(best, n);
			if (avail <= best)
				break;
		}
		if (best >= RAS_SECRET_PIECE)
			memset(masked + i, true, best);
	}
}

/*
 * A remote string made fit for a message: secrets masked, control
 * characters replaced, then cut to at most maxlen bytes (on a character
 * boundary, "..." marking the cut).  NULL stays NULL.
 */
char *
ras_remote_text(const char *text, size_t len, size_t maxlen)
{
	StringInfoData buf;
	bool	   *masked;

	if (text == NULL)
		return NULL;
	masked = palloc0(len + 1);
	for (int s = 0; s < nsecrets; s++)
		mark_pieces(text, len, secrets[s], masked);

	initStringInfo(&buf);
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (masked[i])
		{
			appendStringInfoString(&buf, "***");
			while (i + 1 < len && masked[i + 1])
				i++;
		}
		else if (c < 32 || c == 127)
			appendStringInfoChar(&buf, ' ');
		else
			appendStringInfoChar(&buf, (char) c);
	}
	pfree(masked);
	if ((size_t) buf.len > maxlen)
	{
		int			cut = pg_mbcliplen(buf.data, buf.len, (int) maxlen);

		buf.data[cut] = '\0';
		buf.len = cut;
		appendStringInfoString(&buf, "...");
	}
	return buf.data;
}

/* A short printable excerpt of a body that is not JSON, scrubbed. */
char *
ras_printable_excerpt(const char *body, size_t len)
{
	size_t		n = Min(len, (size_t) 64 * 1024);
	char	   *ascii = palloc(n + 1);

	/* the body's encoding is unknown: keep printable ASCII only */
	for (size_t i = 0; i < n; i++)
		ascii[i] = (body[i] >= 32 && body[i] < 127) ? body[i] : ' ';
	ascii[n] = '\0';
	return ras_remote_text(ascii, n, RAS_QUOTE_MAX);
}
