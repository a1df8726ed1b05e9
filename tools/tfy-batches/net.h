/*
 * tfy-batches: the TLS and proxy flags, named as curl names them, and the
 * tfy_client_options fields they set.  The two secrets, --proxy-user and
 * --pass, are never needed on the command line: each also comes from a
 * file (--proxy-user-file, --pass-file) or a variable (TFY_PROXY_USER,
 * TFY_KEY_PASSWORD), in that order after the flag.
 */
#ifndef TFY_BATCHES_NET_H
#define TFY_BATCHES_NET_H

#include <tfy/tfy.h>

enum net_option {
	NET_OPT_CACERT = 1024, /* above the other option ids */
	NET_OPT_CAPATH,
	NET_OPT_INSECURE,
	NET_OPT_PROXY,
	NET_OPT_NOPROXY,
	NET_OPT_PROXY_USER,
	NET_OPT_PROXY_USER_FILE,
	NET_OPT_CERT,
	NET_OPT_KEY,
	NET_OPT_PASS,
	NET_OPT_PASS_FILE,
	NET_OPT_END
};

/*
 * Their part of --help, laid out as the other groups (opts.c): the flag
 * from column 7, its text from column 29, lines under 80 columns.
 */
#define NET_HELP \
	"TLS and proxies (curl's names):\n" \
	"      --cacert FILE         CA bundle (PEM) to verify the server with\n" \
	"      --capath DIR          directory of CA certificates (openssl rehash)\n" \
	"  -k, --insecure            do not verify the server's certificate (test\n" \
	"                            servers only: anyone on the path can read the\n" \
	"                            key; a warning says so)\n" \
	"      --cert FILE           client certificate (PEM) for mutual TLS\n" \
	"      --key FILE            its private key (PEM; default: in --cert)\n" \
	"      --pass-file FILE      the key's passphrase, first line of FILE\n" \
	"                            [TFY_KEY_PASSWORD]; --pass PHRASE also works\n" \
	"                            but shows it to other users\n" \
	"      --proxy URL           proxy: http://HOST:PORT, https:// or socks5h://\n" \
	"                            (default: http_proxy, HTTPS_PROXY, ALL_PROXY)\n" \
	"      --noproxy HOSTS       comma-separated hosts that bypass the proxy, \"*\"\n" \
	"                            for all (default: NO_PROXY)\n" \
	"      --proxy-user-file FILE\n" \
	"                            proxy USER:PASSWORD, first line of FILE\n" \
	"                            [TFY_PROXY_USER]; --proxy-user USER:PASSWORD\n" \
	"                            also works but shows it to other users\n"

typedef struct net_flags {
	const char *value[NET_OPT_END - NET_OPT_CACERT]; /* borrowed from argv */
	int insecure;
	char *from_file[2];            /* read by net_flags_finish: proxy user, passphrase */
	const char *proxy_user, *pass; /* the secrets in force, from flag, file or variable */
} net_flags;

/* Stores the value of one of these flags: 1, or 0 when id is none of them. */
int net_flag(net_flags *n, int id, const char *value);

/*
 * Settles the secrets after parsing: reads the files, else the variables.
 * Returns NULL, or what went wrong, with *quoted set to the file at fault
 * (a path, never a secret) or NULL.  A flag and its file together are
 * refused.
 */
const char *net_flags_finish(net_flags *n, const char **quoted);

/* Sets the options' TLS and proxy fields from the flags: the one place they are mapped. */
void net_flags_apply(const net_flags *n, tfy_client_options *o);

/* Clears and frees what was read from files. */
void net_flags_free(net_flags *n);

#endif
