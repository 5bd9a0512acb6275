/* A small YAML document tree (maps, lists, text) built with libyaml, keeping each node's position.
 */
#ifndef LC_CONFIG_YAML_TREE_H
#define LC_CONFIG_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Limits that keep hostile input cheap (aliases are copied, so they count too). */
#define LC_YAML_MAX_DEPTH   64     /* nested maps and lists */
#define LC_YAML_MAX_NODES   100000 /* nodes of one document, alias copies included */
#define LC_YAML_MAX_KEYS    4096   /* keys of one map (duplicates are checked pairwise) */
#define LC_YAML_MAX_ANCHORS 1024   /* anchors (&name) of one document */

enum lc_yaml_kind {
    LC_YAML_NULL,   /* an empty value, "~" or "null" written plain */
    LC_YAML_SCALAR, /* text (numbers and booleans are text too: the reader decides) */
    LC_YAML_MAP,    /* keys in the order written; keys are unique */
    LC_YAML_SEQ     /* a list */
};

struct lc_yaml_pair;

/*
 * One node. Positions are 1-based. A node that came from somewhere other than
 * the document (a --set override) has line == col == 0 and `origin` naming
 * where it came from; `origin` points into the owning doc (or is NULL).
 */
struct lc_yaml_node {
    enum lc_yaml_kind kind;
    unsigned line, col;
    const char *origin;
    bool quoted;      /* scalar: written quoted or as a block (| >), not plain */
    bool single_line; /* scalar: starts and ends on one line, so columns map into its text */
    char *text;       /* SCALAR and NULL: the text, NUL-terminated (owned; "" for null) */
    size_t len;       /* bytes of text (the text holds no NUL: such input is rejected) */
    struct lc_yaml_pair *pairs; /* MAP (owned) */
    size_t n_pairs;
    struct lc_yaml_node **items; /* SEQ (owned) */
    size_t n_items;
};

struct lc_yaml_pair {
    struct lc_yaml_node *key; /* always a SCALAR */
    struct lc_yaml_node *value;
};

/* A parsed document: its root (NULL for an empty stream) and the origin strings its nodes use. */
struct lc_yaml_doc {
    struct lc_yaml_node *root;
    char **origins;
    size_t n_origins;
    size_t n_nodes; /* nodes created so far (LC_YAML_MAX_NODES bounds it) */
};

/*
 * Parse text[0..len) (one YAML document; the text need not be NUL-terminated)
 * into doc, which this call initialises; `file` names the text in messages.
 * Anchors and aliases are resolved by copying, "<<" merge keys are applied
 * (keys already in the map win), duplicate keys are an error. Returns 0, or
 * LC_ECONFIG with "file:line:col" in err for malformed YAML, a second document,
 * a key that is not text, a duplicate key, an unknown or recursive alias, NUL
 * characters in text or input past the limits above; LC_ENOMEM. On failure
 * doc is empty (nothing to free, freeing is harmless).
 */
int lc_yaml_parse(const char *text, size_t len, const char *file, struct lc_yaml_doc *doc,
                  struct lc_error *err) LC_WARN_UNUSED;

/* Free everything doc owns and empty it. */
void lc_yaml_doc_free(struct lc_yaml_doc *doc);

/* Free a node and its children (one not attached to a document any more). NULL is a no-op. */
void lc_yaml_node_free(struct lc_yaml_node *n);

/* The value of `key` in map (exact match), or NULL when absent or map is not a MAP. */
struct lc_yaml_node *lc_yaml_map_get(const struct lc_yaml_node *map, const char *key);

/* The pair of `key` in map, or NULL. */
struct lc_yaml_pair *lc_yaml_map_pair(const struct lc_yaml_node *map, const char *key);

/*
 * Copy `text` into doc and return the stable copy (owned by doc, for node
 * origins), or NULL when out of memory.
 */
const char *lc_yaml_doc_origin(struct lc_yaml_doc *doc, const char *text);

/*
 * A new detached node of `kind` (SCALAR and NULL take text[0..len), copied;
 * MAP and SEQ start empty) marked as coming from `origin` (not copied: use a
 * string from lc_yaml_doc_origin). Counts against doc's node limit. NULL when
 * out of memory or past the limit.
 */
struct lc_yaml_node *lc_yaml_node_new(struct lc_yaml_doc *doc, enum lc_yaml_kind kind,
                                      const char *text, size_t len, const char *origin);

/*
 * Append key -> value to map (both detached nodes; the map takes them).
 * Returns 0, LC_ENOMEM or LC_ERANGE past LC_YAML_MAX_KEYS (then the caller
 * still owns both). The caller makes sure the key is new.
 */
int lc_yaml_map_append(struct lc_yaml_node *map, struct lc_yaml_node *key,
                       struct lc_yaml_node *value) LC_WARN_UNUSED;

/* Mark n and everything below it as coming from `origin` (positions become 0). */
void lc_yaml_set_origin(struct lc_yaml_node *n, const char *origin);

/* "a map", "a list", "text 'abc'"-style words for messages: "a map", "a list", "text", "nothing".
 */
const char *lc_yaml_kind_name(const struct lc_yaml_node *n);

#endif
