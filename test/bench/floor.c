/*
 * floor.c - the lower bound a client of POST /ras/v1/targets/list can reach:
 * one libcurl easy handle (one keep-alive connection), every page fetched at
 * maxResults 1000 following nextToken, each page parsed once by json-c.
 *
 *   floor URL TOKEN [PROFILE]          fetch + parse; prints "<targets> <seconds>"
 *   floor --copy URL TOKEN [PROFILE]   fetch only; writes each page as one line of
 *                                      COPY text format on stdout (the staging step
 *                                      of the do-it-yourself SQL route)
 *   floor --v1 URL TOKEN [PROFILE]     the same as the first form for the Amazon Ads
 *                                      API v1: POST /adsApi/v1/query/targets for
 *                                      SPONSORED_PRODUCTS, maxResults 5000 (the most
 *                                      v1 allows, as ras.sp_targets() asks),
 *                                      Amazon-Ads-ClientId header
 *
 * URL is the simulator base URL, TOKEN an access token (fetched by the caller, so
 * the token round trip is not timed, as ras caches its token in the backend too).
 * In --copy mode the next token is found by a byte search instead of a JSON parse,
 * so the do-it-yourself route is not charged for a parse it does not need.
 *
 * Build: cc -O2 -o floor floor.c -lcurl -ljson-c
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
die(const char *what)
{
	fprintf(stderr, "floor: %s\n", what);
	exit(1);
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Buf		   *b = userdata;
	size_t		n = size * nmemb;

	if (b->len + n + 1 > b->cap)
	{
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1 << 20;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			die("out of memory");
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* The nextToken value of a page without parsing it (NULL on the last page). */
static char *
scan_next_token(const Buf *b)
{
	static const char key[] = "\"nextToken\":\"";
	const char *p = NULL;
	const char *hit = b->data;
	const char *end;

	/* the last occurrence: top-level members follow the targets array */
	while ((hit = memmem(hit, b->len - (hit - b->data), key, sizeof(key) - 1)) != NULL)
		p = hit++;
	if (!p)
		return NULL;
	p += sizeof(key) - 1;
	end = memchr(p, '"', b->len - (p - b->data));
	if (!end)
		die("unterminated nextToken");
	return strndup(p, end - p);
}

/* One page as one line of COPY text format: escape \ and line breaks. */
static void
write_copy_line(const Buf *b, FILE *out)
{
	const char *s = b->data;
	const char *e = s + b->len;
	const char *run = s;

	for (; s < e; s++)
	{
		const char *rep = NULL;

		switch (*s)
		{
			case '\\': rep = "\\\\"; break;
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			default: continue;
		}
		fwrite(run, 1, s - run, out);
		fputs(rep, out);
		run = s + 1;
	}
	fwrite(run, 1, e - run, out);
	fputc('\n', out);
}

int
main(int argc, char **argv)
{
	int			copy_mode = argc > 1 && strcmp(argv[1], "--copy") == 0;
	int			v1_mode = argc > 1 && strcmp(argv[1], "--v1") == 0;
	int			a = copy_mode || v1_mode ? 2 : 1;
	const char *base, *token, *profile;
	char		url[1024], hdr[4096], scope[256];
	struct curl_slist *headers = NULL;
	CURL	   *h;
	Buf			page = {0};
	char	   *next = NULL;
	long		targets = 0, pages = 0;
	struct timespec t0, t1;

	if (argc - a < 2)
		die("usage: floor [--copy | --v1] URL TOKEN [PROFILE]");
	base = argv[a];
	token = argv[a + 1];
	profile = argc - a > 2 ? argv[a + 2] : "1234567890";

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	snprintf(url, sizeof(url), v1_mode ? "%s/adsApi/v1/query/targets" : "%s/ras/v1/targets/list",
			 base);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
	snprintf(scope, sizeof(scope), "Amazon-Advertising-API-Scope: %s", profile);
	headers = curl_slist_append(headers, hdr);
	headers = curl_slist_append(headers, v1_mode
								? "Amazon-Ads-ClientId: amzn1.application-oa2-client.sim"
								: "Amazon-Advertising-API-ClientId: amzn1.application-oa2-client.sim");
	headers = curl_slist_append(headers, scope);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &page);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
	{
		char		body[1024];
		long		status = 0;
		CURLcode	rc;

		if (v1_mode && next)
			snprintf(body, sizeof(body), "{\"adProductFilter\":{\"include\":"
					 "[\"SPONSORED_PRODUCTS\"]},\"maxResults\":5000,\"nextToken\":\"%s\"}", next);
		else if (v1_mode)
			snprintf(body, sizeof(body), "{\"adProductFilter\":{\"include\":"
					 "[\"SPONSORED_PRODUCTS\"]},\"maxResults\":5000}");
		else if (next)
			snprintf(body, sizeof(body), "{\"maxResults\":1000,\"nextToken\":\"%s\"}", next);
		else
			snprintf(body, sizeof(body), "{\"maxResults\":1000}");
		free(next);
		next = NULL;
		page.len = 0;
		curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
		if ((rc = curl_easy_perform(h)) != CURLE_OK)
			die(curl_easy_strerror(rc));
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200)
		{
			fprintf(stderr, "floor: HTTP %ld: %.300s\n", status, page.data ? page.data : "");
			return 1;
		}
		pages++;
		if (copy_mode)
		{
			write_copy_line(&page, stdout);
			next = scan_next_token(&page);
		}
		else
		{
			/* the one parse a client has to do; then read what paging needs */
			json_object *root = json_tokener_parse(page.data);
			json_object *items, *tok;

			if (!root || !json_object_object_get_ex(root, "targets", &items))
				die("page without targets");
			targets += json_object_array_length(items);
			if (json_object_object_get_ex(root, "nextToken", &tok))
				next = strdup(json_object_get_string(tok));
			json_object_put(root);
		}
	} while (next);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (copy_mode)
		fflush(stdout);
	else
		printf("%ld %.6f\n", targets,
			   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fprintf(stderr, "floor: %ld pages\n", pages);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return 0;
}
