/* YAML text to a tree of maps, lists and text with positions, built from libyaml's events. */
#include "config/yaml_tree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* An open map or list while its events arrive. */
struct frame {
    struct lc_yaml_node *node;
    struct lc_yaml_node *key; /* MAP: a key waiting for its value (owned until attached) */
    char *anchor;             /* &name of this node (owned), NULL when none */
};

struct anchor {
    char *name;                /* owned */
    struct lc_yaml_node *node; /* in the tree (or the graveyard): valid until the parse ends */
};

struct builder {
    const char *file;
    const char *text;
    size_t len;
    struct lc_yaml_doc *doc;
    struct frame stack[LC_YAML_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t n_anchors;
    struct lc_yaml_node **grave; /* "<<" keys and values, freed at the end: anchors may point in */
    size_t n_grave;
    struct lc_error *err;
};

/* Grow an array of n elements so that one more fits: capacities are powers of two. */
static int grow(void **arr, size_t n, size_t elem)
{
    if (n != 0 && (n & (n - 1)) != 0)
        return 0;
    size_t cap = n ? n * 2 : 1;
    if (cap > SIZE_MAX / elem)
        return LC_ENOMEM;
    void *p = realloc(*arr, cap * elem);
    if (!p)
        return LC_ENOMEM;
    *arr = p;
    return 0;
}

/* The capacity grow() would have reached for n elements. */
static size_t cap_for(size_t n)
{
    size_t cap = 1;
    while (cap < n)
        cap *= 2;
    return cap;
}

LC_PRINTF(4, 5)
static int fail_at(struct builder *b, unsigned line, unsigned col, const char *fmt, ...)
{
    if (!b->err)
        return LC_ECONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
    va_end(ap);
    b->err->code = LC_ECONFIG;
    b->err->sys_errno = 0;
    lc_error_at(b->err, b->file, line, col);
    return LC_ECONFIG;
}

static int nomem(struct builder *b)
{
    return lc_error_set(b->err, LC_ENOMEM, "out of memory reading %s", b->file);
}

static struct lc_yaml_node *node_alloc(struct lc_yaml_doc *doc, enum lc_yaml_kind kind)
{
    if (doc->n_nodes >= LC_YAML_MAX_NODES)
        return NULL;
    struct lc_yaml_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    doc->n_nodes++;
    return n;
}

static int set_text(struct lc_yaml_node *n, const char *text, size_t len)
{
    n->text = malloc(len + 1);
    if (!n->text)
        return LC_ENOMEM;
    if (len)
        memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    return 0;
}

void lc_yaml_node_free(struct lc_yaml_node *n)
{
    if (!n)
        return;
    free(n->text);
    for (size_t i = 0; i < n->n_pairs; i++) {
        lc_yaml_node_free(n->pairs[i].key);
        lc_yaml_node_free(n->pairs[i].value);
    }
    free(n->pairs);
    for (size_t i = 0; i < n->n_items; i++)
        lc_yaml_node_free(n->items[i]);
    free(n->items);
    free(n);
}

void lc_yaml_doc_free(struct lc_yaml_doc *doc)
{
    lc_yaml_node_free(doc->root);
    for (size_t i = 0; i < doc->n_origins; i++)
        free(doc->origins[i]);
    free(doc->origins);
    memset(doc, 0, sizeof(*doc));
}

struct lc_yaml_pair *lc_yaml_map_pair(const struct lc_yaml_node *map, const char *key)
{
    if (!map || map->kind != LC_YAML_MAP)
        return NULL;
    for (size_t i = 0; i < map->n_pairs; i++)
        if (map->pairs[i].key && strcmp(map->pairs[i].key->text, key) == 0)
            return &map->pairs[i];
    return NULL;
}

struct lc_yaml_node *lc_yaml_map_get(const struct lc_yaml_node *map, const char *key)
{
    struct lc_yaml_pair *p = lc_yaml_map_pair(map, key);
    return p ? p->value : NULL;
}

const char *lc_yaml_doc_origin(struct lc_yaml_doc *doc, const char *text)
{
    if (grow((void **)&doc->origins, doc->n_origins, sizeof(*doc->origins)) != 0)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    doc->origins[doc->n_origins++] = copy;
    return copy;
}

struct lc_yaml_node *lc_yaml_node_new(struct lc_yaml_doc *doc, enum lc_yaml_kind kind,
                                      const char *text, size_t len, const char *origin)
{
    struct lc_yaml_node *n = node_alloc(doc, kind);
    if (!n)
        return NULL;
    n->origin = origin;
    n->single_line = true;
    if ((kind == LC_YAML_SCALAR || kind == LC_YAML_NULL) &&
        set_text(n, text ? text : "", text ? len : 0) != 0) {
        free(n);
        doc->n_nodes--;
        return NULL;
    }
    return n;
}

int lc_yaml_map_append(struct lc_yaml_node *map, struct lc_yaml_node *key,
                       struct lc_yaml_node *value)
{
    if (map->n_pairs >= LC_YAML_MAX_KEYS)
        return LC_ERANGE;
    if (grow((void **)&map->pairs, map->n_pairs, sizeof(*map->pairs)) != 0)
        return LC_ENOMEM;
    map->pairs[map->n_pairs++] = (struct lc_yaml_pair){key, value};
    return 0;
}

void lc_yaml_set_origin(struct lc_yaml_node *n, const char *origin)
{
    if (!n)
        return;
    n->origin = origin;
    n->line = 0;
    n->col = 0;
    for (size_t i = 0; i < n->n_pairs; i++) {
        lc_yaml_set_origin(n->pairs[i].key, origin);
        lc_yaml_set_origin(n->pairs[i].value, origin);
    }
    for (size_t i = 0; i < n->n_items; i++)
        lc_yaml_set_origin(n->items[i], origin);
}

const char *lc_yaml_kind_name(const struct lc_yaml_node *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case LC_YAML_NULL:
        return "nothing";
    case LC_YAML_SCALAR:
        return "text";
    case LC_YAML_MAP:
        return "a map";
    case LC_YAML_SEQ:
        return "a list";
    }
    return "?";
}

/*
 * A deep copy of src whose top sits at nesting `level` (open collections
 * above it). Fails (NULL, *rc set) past the node or depth limits, or out of memory.
 */
static struct lc_yaml_node *copy_node(struct lc_yaml_doc *doc, const struct lc_yaml_node *src,
                                      size_t level, int *rc)
{
    if ((src->kind == LC_YAML_MAP || src->kind == LC_YAML_SEQ) && level >= LC_YAML_MAX_DEPTH) {
        *rc = LC_ERANGE;
        return NULL;
    }
    struct lc_yaml_node *n = node_alloc(doc, src->kind);
    if (!n) {
        *rc = doc->n_nodes >= LC_YAML_MAX_NODES ? LC_ERANGE : LC_ENOMEM;
        return NULL;
    }
    n->line = src->line;
    n->col = src->col;
    n->origin = src->origin;
    n->quoted = src->quoted;
    n->single_line = src->single_line;
    if (src->text && set_text(n, src->text, src->len) != 0)
        goto nomem;
    if (src->n_pairs) {
        n->pairs = calloc(cap_for(src->n_pairs), sizeof(*n->pairs));
        if (!n->pairs)
            goto nomem;
        for (size_t i = 0; i < src->n_pairs; i++) {
            struct lc_yaml_node *k = copy_node(doc, src->pairs[i].key, level + 1, rc);
            struct lc_yaml_node *v = k ? copy_node(doc, src->pairs[i].value, level + 1, rc) : NULL;
            if (!v) {
                lc_yaml_node_free(k);
                lc_yaml_node_free(n);
                return NULL;
            }
            n->pairs[n->n_pairs++] = (struct lc_yaml_pair){k, v};
        }
    }
    if (src->n_items) {
        n->items = calloc(cap_for(src->n_items), sizeof(*n->items));
        if (!n->items)
            goto nomem;
        for (size_t i = 0; i < src->n_items; i++) {
            struct lc_yaml_node *c = copy_node(doc, src->items[i], level + 1, rc);
            if (!c) {
                lc_yaml_node_free(n);
                return NULL;
            }
            n->items[n->n_items++] = c;
        }
    }
    return n;
nomem:
    lc_yaml_node_free(n);
    *rc = LC_ENOMEM;
    return NULL;
}

static void set_mark(struct lc_yaml_node *n, const yaml_mark_t *m)
{
    n->line = (unsigned)(m->line + 1);
    n->col = (unsigned)(m->column + 1);
}

static int too_many_nodes(struct builder *b, const yaml_mark_t *m)
{
    return fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
                   "the document has more than %d nodes (aliases count each time they are used)",
                   LC_YAML_MAX_NODES);
}

/* Attach a finished node to the open collection (or make it the root). Takes n, even on failure. */
static int attach(struct builder *b, struct lc_yaml_node *n)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return 0;
    }
    struct frame *f = &b->stack[b->depth - 1];
    struct lc_yaml_node *parent = f->node;
    if (parent->kind == LC_YAML_SEQ) {
        if (grow((void **)&parent->items, parent->n_items, sizeof(*parent->items)) != 0) {
            lc_yaml_node_free(n);
            return nomem(b);
        }
        parent->items[parent->n_items++] = n;
        return 0;
    }
    if (!f->key) {
        int rc = 0;
        if (n->kind == LC_YAML_MAP || n->kind == LC_YAML_SEQ)
            rc = fail_at(b, n->line, n->col, "a key must be text, not %s", lc_yaml_kind_name(n));
        else if (n->len == 0)
            rc = fail_at(b, n->line, n->col, "empty key: write a name before ':'");
        if (rc) {
            lc_yaml_node_free(n);
            return rc;
        }
        n->kind = LC_YAML_SCALAR; /* a key "null" is the text null */
        f->key = n;
        return 0;
    }
    struct lc_yaml_node *key = f->key;
    f->key = NULL;
    struct lc_yaml_pair *dup = lc_yaml_map_pair(parent, key->text);
    int rc = 0;
    if (dup)
        rc = fail_at(b, key->line, key->col,
                     "duplicate key '%s' (first at line %u): each key may appear once in a map",
                     key->text, dup->key->line);
    else if (parent->n_pairs >= LC_YAML_MAX_KEYS)
        rc = fail_at(b, key->line, key->col, "more than %d keys in one map", LC_YAML_MAX_KEYS);
    else if (lc_yaml_map_append(parent, key, n) != 0)
        rc = nomem(b);
    if (rc) {
        lc_yaml_node_free(key);
        lc_yaml_node_free(n);
    }
    return rc;
}

static int add_anchor(struct builder *b, const char *name, struct lc_yaml_node *n,
                      const yaml_mark_t *m)
{
    if (b->n_anchors >= LC_YAML_MAX_ANCHORS)
        return fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1,
                       "more than %d anchors (&name) in one document", LC_YAML_MAX_ANCHORS);
    if (grow((void **)&b->anchors, b->n_anchors, sizeof(*b->anchors)) != 0)
        return nomem(b);
    char *copy = strdup(name);
    if (!copy)
        return nomem(b);
    b->anchors[b->n_anchors++] = (struct anchor){copy, n};
    return 0;
}

static bool is_null_text(const char *v, size_t n)
{
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 &&
            (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 || memcmp(v, "NULL", 4) == 0));
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (memchr(v, '\0', n))
        return fail_at(b, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                       "text holds a NUL character");
    yaml_scalar_style_t style = ev->data.scalar.style;
    bool plain = style == YAML_PLAIN_SCALAR_STYLE;
    struct lc_yaml_node *node =
        node_alloc(b->doc, plain && is_null_text(v, n) ? LC_YAML_NULL : LC_YAML_SCALAR);
    if (!node)
        return b->doc->n_nodes >= LC_YAML_MAX_NODES ? too_many_nodes(b, &ev->start_mark) : nomem(b);
    if (set_text(node, v, n) != 0) {
        lc_yaml_node_free(node);
        return nomem(b);
    }
    set_mark(node, &ev->start_mark);
    node->quoted = !plain;
    node->single_line = ev->start_mark.line == ev->end_mark.line &&
                        (plain || style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                         style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    if (ev->data.scalar.anchor) {
        int rc = add_anchor(b, (const char *)ev->data.scalar.anchor, node, &ev->start_mark);
        if (rc) {
            lc_yaml_node_free(node);
            return rc;
        }
    }
    return attach(b, node);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
    for (size_t i = 0; i < b->depth; i++)
        if (b->stack[i].anchor && strcmp(b->stack[i].anchor, name) == 0)
            return fail_at(b, line, col, "alias '*%s' refers to a node that contains it", name);
    const struct lc_yaml_node *target = NULL;
    for (size_t i = b->n_anchors; i-- > 0;) {
        if (strcmp(b->anchors[i].name, name) == 0) {
            target = b->anchors[i].node;
            break;
        }
    }
    if (!target)
        return fail_at(b, line, col, "unknown alias '*%s': define it before with '&%s'", name,
                       name);
    int rc = 0;
    struct lc_yaml_node *copy = copy_node(b->doc, target, b->depth, &rc);
    if (!copy) {
        if (rc == LC_ENOMEM)
            return nomem(b);
        if (b->doc->n_nodes >= LC_YAML_MAX_NODES)
            return too_many_nodes(b, &ev->start_mark);
        return fail_at(b, line, col, "alias '*%s' nests maps and lists deeper than %d levels", name,
                       LC_YAML_MAX_DEPTH);
    }
    return attach(b, copy);
}

static int on_start(struct builder *b, const yaml_event_t *ev)
{
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    const yaml_char_t *anchor =
        map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    if (b->depth >= LC_YAML_MAX_DEPTH)
        return fail_at(b, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                       "maps and lists nest deeper than %d levels", LC_YAML_MAX_DEPTH);
    struct lc_yaml_node *node = node_alloc(b->doc, map ? LC_YAML_MAP : LC_YAML_SEQ);
    if (!node)
        return b->doc->n_nodes >= LC_YAML_MAX_NODES ? too_many_nodes(b, &ev->start_mark) : nomem(b);
    set_mark(node, &ev->start_mark);
    char *name = NULL;
    if (anchor && !(name = strdup((const char *)anchor))) {
        lc_yaml_node_free(node);
        return nomem(b);
    }
    b->stack[b->depth++] = (struct frame){node, NULL, name};
    return 0;
}

/* Apply "<<" merge keys of a finished map: copy in the source maps' keys it lacks. */
static int merge_keys(struct builder *b, struct lc_yaml_node *map)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        struct lc_yaml_pair *p = &map->pairs[i];
        if (p->key->quoted || strcmp(p->key->text, "<<") != 0)
            continue;
        struct lc_yaml_node *src = p->value;
        size_t nsrc = src->kind == LC_YAML_SEQ ? src->n_items : 1;
        for (size_t s = 0; s < nsrc; s++) {
            const struct lc_yaml_node *m = src->kind == LC_YAML_SEQ ? src->items[s] : src;
            if (m->kind != LC_YAML_MAP)
                return fail_at(b, m->line, m->col, "'<<' merges maps (or a list of maps), not %s",
                               lc_yaml_kind_name(m));
            for (size_t k = 0; k < m->n_pairs; k++) {
                if (lc_yaml_map_pair(map, m->pairs[k].key->text))
                    continue; /* keys written in the map, or merged earlier, win */
                int rc = 0;
                struct lc_yaml_node *key = copy_node(b->doc, m->pairs[k].key, b->depth + 1, &rc);
                struct lc_yaml_node *val =
                    key ? copy_node(b->doc, m->pairs[k].value, b->depth + 1, &rc) : NULL;
                if (val && (rc = lc_yaml_map_append(map, key, val)) == LC_ERANGE)
                    rc = fail_at(b, map->line, map->col, "more than %d keys in one map",
                                 LC_YAML_MAX_KEYS);
                if (!val || rc) {
                    lc_yaml_node_free(key);
                    lc_yaml_node_free(val);
                    if (rc == LC_ECONFIG)
                        return rc;
                    if (rc == LC_ERANGE)
                        return fail_at(b, map->line, map->col,
                                       "merging '<<' makes the document larger than %d nodes or "
                                       "deeper than %d levels",
                                       LC_YAML_MAX_NODES, LC_YAML_MAX_DEPTH);
                    return nomem(b);
                }
                p = &map->pairs[i]; /* the append may have moved the pairs */
            }
        }
        /* Retire the "<<" pair; anchors may point into it, so it lives until the end. */
        for (int k = 0; k < 2; k++) {
            if (grow((void **)&b->grave, b->n_grave, sizeof(*b->grave)) != 0)
                return nomem(b);
            b->grave[b->n_grave++] = k == 0 ? p->key : p->value;
            if (k == 0)
                p->key = NULL; /* the pair owns only what is not in the grave yet */
        }
        memmove(p, p + 1, (map->n_pairs - i - 1) * sizeof(*p));
        map->n_pairs--;
        i--;
    }
    return 0;
}

static int on_end(struct builder *b, const yaml_event_t *ev)
{
    struct frame f = b->stack[--b->depth];
    int rc = 0;
    if (f.node->kind == LC_YAML_MAP)
        rc = merge_keys(b, f.node);
    if (rc == 0 && f.anchor)
        rc = add_anchor(b, f.anchor, f.node, &ev->start_mark);
    free(f.anchor);
    lc_yaml_node_free(f.key); /* NULL unless the events were odd */
    if (rc) {
        lc_yaml_node_free(f.node);
        return rc;
    }
    return attach(b, f.node);
}

/* Line and column (1-based) of byte offset `off` in the text. */
static void offset_to_pos(const struct builder *b, size_t off, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < b->len; i++) {
        if (b->text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)b->text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int yaml_failure(struct builder *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return nomem(b);
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR) {
        unsigned line, col;
        offset_to_pos(b, p->problem_offset, &line, &col);
        return fail_at(b, line, col, "invalid YAML: %s (the file must be UTF-8 text)", problem);
    }
    const char *hint = "check the indentation (spaces, not tabs) and quote text that holds ': ' "
                       "or ' #', or starts with { [ & * ! | > ' \" % @";
    if (p->context)
        return fail_at(b, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1,
                       "invalid YAML: %s %s (from line %u): %s", problem, p->context,
                       (unsigned)p->context_mark.line + 1, hint);
    return fail_at(b, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1,
                   "invalid YAML: %s: %s", problem, hint);
}

int lc_yaml_parse(const char *text, size_t len, const char *file, struct lc_yaml_doc *doc,
                  struct lc_error *err)
{
    memset(doc, 0, sizeof(*doc));
    struct builder b = {.file = file ? file : "", .text = text, .len = len, .doc = doc, .err = err};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return nomem(&b);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0, docs = 0;
    bool done = false;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = yaml_failure(&b, &parser);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = fail_at(&b, (unsigned)ev.start_mark.line + 1,
                             (unsigned)ev.start_mark.column + 1,
                             "a second YAML document ('---'): a scenario file holds one");
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    while (b.depth > 0) {
        struct frame *f = &b.stack[--b.depth];
        lc_yaml_node_free(f->node);
        lc_yaml_node_free(f->key);
        free(f->anchor);
    }
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    for (size_t i = 0; i < b.n_grave; i++)
        lc_yaml_node_free(b.grave[i]);
    free(b.grave);
    if (rc)
        lc_yaml_doc_free(doc);
    return rc;
}
