// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, so Swift cannot call
// them; these one-type-per-function wrappers are the whole shim.
#include <curl/curl.h>
#include <string.h>

static inline CURLcode kvd_setopt_long(CURL *h, CURLoption opt, long v) { return curl_easy_setopt(h, opt, v); }
static inline CURLcode kvd_setopt_ptr(CURL *h, CURLoption opt, void *v) { return curl_easy_setopt(h, opt, v); }
static inline CURLcode kvd_setopt_str(CURL *h, CURLoption opt, const char *v) { return curl_easy_setopt(h, opt, v); }
static inline CURLcode kvd_setopt_off(CURL *h, CURLoption opt, curl_off_t v) { return curl_easy_setopt(h, opt, v); }
static inline CURLcode kvd_setopt_slist(CURL *h, CURLoption opt, struct curl_slist *v) { return curl_easy_setopt(h, opt, v); }

typedef size_t (*kvd_data_fn)(char *, size_t, size_t, void *);
typedef int (*kvd_xferinfo_fn)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode kvd_setopt_datafn(CURL *h, CURLoption opt, kvd_data_fn f) { return curl_easy_setopt(h, opt, f); }
static inline CURLcode kvd_setopt_xferinfofn(CURL *h, kvd_xferinfo_fn f) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f); }

/// Sets a certificate or key from memory; libcurl copies the bytes (CURL_BLOB_COPY).
static inline CURLcode kvd_setopt_blob(CURL *h, CURLoption opt, const void *data, size_t len) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = len;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(h, opt, &blob);
}

static inline CURLcode kvd_getinfo_long(CURL *h, CURLINFO info, long *out) { return curl_easy_getinfo(h, info, out); }
static inline CURLcode kvd_getinfo_ptr(CURL *h, CURLINFO info, void **out) { return curl_easy_getinfo(h, info, out); }
static inline CURLMcode kvd_multi_setopt_long(CURLM *m, CURLMoption opt, long v) { return curl_multi_setopt(m, opt, v); }
static inline curl_version_info_data *kvd_curl_version(void) { return curl_version_info(CURLVERSION_NOW); }
