/* The validator's fast path, compiled: the schema walker and the claim checks of fastcheck.py.
 *
 * Nothing here knows the schema. fastcheck.py builds a walker plan from the published JSON Schema
 * and the msgspec types decoded from it, and binds the claim checker to those types by field
 * name; this module only runs them. Fields are read straight from the msgspec structs' slots
 * (offsets from their member descriptors, found by name once), after checking each struct's exact
 * type, so a record of any other shape is "not sure" (-1 / None), never misread.
 *
 * Like fastcheck.py, every function answers only "certainly valid" or "not sure"; the reference
 * checks (validate.py) alone report problems. tests/test_differential.py runs this module, the
 * pure-Python fast path and the reference on the same generated records.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))
/* A slot is NULL only when a field was deleted from a struct; the claim checks read it as `unset`,
 * an object that no check accepts, so such a record is "not sure" rather than a crash. */
static PyObject *unset;
#define FLD(o, off) (SLOT(o, off) != NULL ? SLOT(o, off) : unset)
#ifndef CFAST_SOURCE_SHA256
#define CFAST_SOURCE_SHA256 "" /* built without hatch_build.py: fastcheck cannot tell if it is current */
#endif
#define NOT_SURE (-1)
#define ERROR (-2)

/* --- helpers --------------------------------------------------------------------------------- */

static Py_ssize_t
field_offset(PyTypeObject *tp, const char *name)
{
    PyObject *d = PyDict_GetItemString(tp->tp_dict, name);
    if (d == NULL || !Py_IS_TYPE(d, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_LookupError, "%s has no slot field %s", tp->tp_name, name);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)d)->d_member;
    if (m->type != T_OBJECT_EX && m->type != T_OBJECT) {
        PyErr_Format(PyExc_TypeError, "%s.%s is not an object slot", tp->tp_name, name);
        return -1;
    }
    return m->offset;
}

/* ID_PATTERN ^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$ on an exact str; anything unexpected: not sure */
static int
id_ok(PyObject *v)
{
    if (!PyUnicode_CheckExact(v) || PyUnicode_READY(v) < 0 || !PyUnicode_IS_ASCII(v))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(v);
    const unsigned char *s = PyUnicode_1BYTE_DATA(v);
    if (n == 0 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

/* fastcheck.float_plain: msgspec and Python's json spell the float alike */
static int
float_plain(PyObject *v)
{
    if (!PyFloat_CheckExact(v))
        return 0;
    double x = PyFloat_AS_DOUBLE(v);
    double a = x < 0 ? -x : x;
    return x == 0.0 || (a >= 1e-4 && a < 1e16);
}

static int
as_index(PyObject *v, Py_ssize_t *out)
{
    if (!PyLong_CheckExact(v))
        return 0;
    Py_ssize_t x = PyLong_AsSsize_t(v);
    if (x == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *out = x;
    return 1;
}

/* text[a:b] == q without making the slice (code points, any string kinds) */
static int
slice_equals(PyObject *text, Py_ssize_t a, Py_ssize_t b, PyObject *q)
{
    if (!PyUnicode_CheckExact(q) || PyUnicode_READY(q) < 0)
        return 0;
    Py_ssize_t len = b - a;
    if (PyUnicode_GET_LENGTH(q) != len)
        return 0;
    int kt = PyUnicode_KIND(text), kq = PyUnicode_KIND(q);
    const void *dt = PyUnicode_DATA(text), *dq = PyUnicode_DATA(q);
    if (kt == kq)
        return memcmp((const char *)dt + a * kt, dq, (size_t)(len * kt)) == 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        if (PyUnicode_READ(kt, dt, a + i) != PyUnicode_READ(kq, dq, i))
            return 0;
    }
    return 1;
}

static int
str_is(PyObject *v, const char *s)
{
    return PyUnicode_CheckExact(v) && PyUnicode_CompareWithASCIIString(v, s) == 0;
}

static int
str_eq(PyObject *a, PyObject *b)
{
    return PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b) && PyUnicode_Compare(a, b) == 0;
}

/* a == b for two values that are each a str or None */
static int
same_opt_str(PyObject *a, PyObject *b)
{
    if (a == Py_None || b == Py_None)
        return a == b;
    return str_eq(a, b);
}

/* --- the walker -------------------------------------------------------------------------------- */

enum { W_LEAF = 0, W_STRUCT = 1, W_LIST = 2, W_OPT = 3, W_ID = 4, W_PATTERN = 5, W_FLOAT = 6 };

typedef struct Node {
    int kind;
    int pure;            /* no checks below: the node always adds pure_keys keys */
    Py_ssize_t pure_keys;
    PyTypeObject *type;  /* W_STRUCT (borrowed: the plan is kept alive by the Walker) */
    Py_ssize_t nkeys;    /* W_STRUCT: its property count */
    Py_ssize_t nfields;  /* W_STRUCT: the fields that have a node */
    Py_ssize_t *offsets;
    struct Node **children;
    struct Node *child;  /* W_LIST, W_OPT */
    PyObject *pred;      /* W_PATTERN (borrowed) */
} Node;

static void
node_free(Node *n)
{
    if (n == NULL)
        return;
    for (Py_ssize_t i = 0; i < n->nfields; i++)
        node_free(n->children[i]);
    PyMem_Free(n->children);
    PyMem_Free(n->offsets);
    node_free(n->child);
    PyMem_Free(n);
}

/* plan: (0,) leaf | (1, type, nkeys, ((name, plan), ...)) | (2, plan) list | (3, plan) optional |
 *       (4,) ID | (5, predicate) pattern | (6,) float */
static Node *
node_build(PyObject *plan, int depth)
{
    if (depth > 64 || !PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) < 1) {
        PyErr_SetString(PyExc_ValueError, "bad walker plan");
        return NULL;
    }
    Node *n = PyMem_Calloc(1, sizeof(Node));
    if (n == NULL)
        return (Node *)PyErr_NoMemory();
    n->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(plan, 0));
    Py_ssize_t size = PyTuple_GET_SIZE(plan);
    switch (n->kind) {
    case W_LEAF:
        n->pure = 1;
        return n;
    case W_ID:
    case W_FLOAT:
        return n;
    case W_PATTERN:
        if (size != 2 || !PyCallable_Check(PyTuple_GET_ITEM(plan, 1)))
            break;
        n->pred = PyTuple_GET_ITEM(plan, 1);
        return n;
    case W_LIST:
    case W_OPT:
        if (size != 2 || (n->child = node_build(PyTuple_GET_ITEM(plan, 1), depth + 1)) == NULL)
            break;
        return n;
    case W_STRUCT: {
        if (size != 4 || !PyType_Check(PyTuple_GET_ITEM(plan, 1)) || !PyTuple_Check(PyTuple_GET_ITEM(plan, 3)))
            break;
        n->type = (PyTypeObject *)PyTuple_GET_ITEM(plan, 1);
        n->nkeys = PyLong_AsSsize_t(PyTuple_GET_ITEM(plan, 2));
        PyObject *fields = PyTuple_GET_ITEM(plan, 3);
        Py_ssize_t k = PyTuple_GET_SIZE(fields);
        n->offsets = PyMem_Calloc(k ? k : 1, sizeof(Py_ssize_t));
        n->children = PyMem_Calloc(k ? k : 1, sizeof(Node *));
        if (n->offsets == NULL || n->children == NULL) {
            PyErr_NoMemory();
            break;
        }
        n->pure = 1;
        n->pure_keys = n->nkeys;
        for (Py_ssize_t i = 0; i < k; i++) {
            PyObject *f = PyTuple_GET_ITEM(fields, i);
            if (!PyTuple_Check(f) || PyTuple_GET_SIZE(f) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(f, 0))) {
                PyErr_SetString(PyExc_ValueError, "bad walker plan field");
                goto fail;
            }
            Py_ssize_t off = field_offset(n->type, PyUnicode_AsUTF8(PyTuple_GET_ITEM(f, 0)));
            if (off < 0)
                goto fail;
            Node *c = node_build(PyTuple_GET_ITEM(f, 1), depth + 1);
            if (c == NULL)
                goto fail;
            n->offsets[i] = off;
            n->children[i] = c;
            n->nfields = i + 1;
            n->pure = n->pure && c->pure;
            n->pure_keys += c->pure_keys;
        }
        return n;
    }
    default:
        break;
    }
fail:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "bad walker plan node");
    node_free(n);
    return NULL;
}

/* the number of keys the value holds, NOT_SURE, or ERROR (an exception is set) */
static Py_ssize_t
walk(const Node *n, PyObject *o)
{
    switch (n->kind) {
    case W_LEAF:
        return 0;
    case W_STRUCT: {
        if (Py_TYPE(o) != n->type)
            return NOT_SURE;
        if (n->pure)
            return n->pure_keys;
        Py_ssize_t total = n->nkeys;
        for (Py_ssize_t i = 0; i < n->nfields; i++) {
            PyObject *v = SLOT(o, n->offsets[i]);
            if (v == NULL)
                return NOT_SURE;
            Py_ssize_t r = walk(n->children[i], v);
            if (r < 0)
                return r;
            total += r;
        }
        return total;
    }
    case W_LIST: {
        if (!PyList_CheckExact(o))
            return NOT_SURE;
        Py_ssize_t len = PyList_GET_SIZE(o);
        const Node *c = n->child;
        if (c->pure && c->kind != W_STRUCT)
            return len * c->pure_keys;
        Py_ssize_t total = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_ssize_t r = walk(c, PyList_GET_ITEM(o, i));
            if (r < 0)
                return r;
            total += r;
        }
        return total;
    }
    case W_OPT:
        return o == Py_None ? 0 : walk(n->child, o);
    case W_ID:
        return id_ok(o) ? 0 : NOT_SURE;
    case W_FLOAT:
        return float_plain(o) ? 0 : NOT_SURE;
    case W_PATTERN: {
        PyObject *r = PyObject_CallOneArg(n->pred, o);
        if (r == NULL)
            return ERROR;
        int t = PyObject_IsTrue(r);
        Py_DECREF(r);
        return t < 0 ? ERROR : (t ? 0 : NOT_SURE);
    }
    }
    return NOT_SURE;
}

typedef struct {
    PyObject_HEAD
    Node *root;
    PyObject *plan;
    PyObject *nodup; /* fastcheck.no_duplicate_keys(raw, obj, nkeys) */
} WalkerObject;

static void
Walker_dealloc(WalkerObject *self)
{
    node_free(self->root);
    Py_XDECREF(self->plan);
    Py_XDECREF(self->nodup);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Walker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *plan, *nodup;
    if (!PyArg_ParseTuple(args, "OO:Walker", &plan, &nodup))
        return NULL;
    WalkerObject *self = (WalkerObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->root = node_build(plan, 0);
    if (self->root == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    Py_INCREF(plan);
    self->plan = plan;
    Py_INCREF(nodup);
    self->nodup = nodup;
    return (PyObject *)self;
}

/* walk(obj) -> the record's key count, or -1 when not certainly valid */
static PyObject *
Walker_walk(WalkerObject *self, PyObject *obj)
{
    Py_ssize_t r = walk(self->root, obj);
    if (r == ERROR)
        return NULL;
    return PyLong_FromSsize_t(r < 0 ? -1 : r);
}

/* walk_raw(obj, raw) -> as walk, and -1 unless the raw line provably repeats no key */
static PyObject *
Walker_walk_raw(WalkerObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "walk_raw(obj, raw: bytes)");
        return NULL;
    }
    Py_ssize_t r = walk(self->root, args[0]);
    if (r == ERROR)
        return NULL;
    if (r < 0)
        return PyLong_FromLong(-1);
    const char *p = PyBytes_AS_STRING(args[1]);
    const char *end = p + PyBytes_GET_SIZE(args[1]);
    Py_ssize_t colons = 0;
    while ((p = memchr(p, ':', (size_t)(end - p))) != NULL) {
        colons++;
        p++;
    }
    if (colons == r)
        return PyLong_FromSsize_t(r);
    PyObject *n = PyLong_FromSsize_t(r);
    if (n == NULL)
        return NULL;
    PyObject *ok = PyObject_CallFunctionObjArgs(self->nodup, args[1], args[0], n, NULL);
    Py_DECREF(n);
    if (ok == NULL)
        return NULL;
    int t = PyObject_IsTrue(ok);
    Py_DECREF(ok);
    if (t < 0)
        return NULL;
    return PyLong_FromSsize_t(t ? r : -1);
}

static PyObject *
Walker_call(WalkerObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *obj;
    if (!PyArg_ParseTuple(args, "O", &obj))
        return NULL;
    return Walker_walk(self, obj);
}

static PyMethodDef Walker_methods[] = {
    {"walk", (PyCFunction)Walker_walk, METH_O, "walk(obj) -> key count, or -1 when not certainly valid"},
    {"walk_raw", (PyCFunction)(void (*)(void))Walker_walk_raw, METH_FASTCALL, "walk_raw(obj, raw) -> key count, or -1"},
    {NULL},
};

static PyTypeObject WalkerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "claimset._cfast.Walker",
    .tp_basicsize = sizeof(WalkerObject),
    .tp_dealloc = (destructor)Walker_dealloc,
    .tp_call = (ternaryfunc)Walker_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A schema walker compiled from a plan (see fastcheck.walker_plan).",
    .tp_methods = Walker_methods,
    .tp_new = Walker_new,
};

/* --- the claim checks (fastcheck.claim_fast) ----------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *types;  /* (Claim, Source, Span, Evidence, Event, Quantity, Location) */
    PyTypeObject *claim_t, *source_t, *span_t, *evidence_t, *event_t, *quantity_t, *location_t;
    PyObject *dates;  /* fastcheck._dates: date -> bool */
    PyObject *date_ok;
    struct {
        Py_ssize_t claim_id, article_id, content, claimant, source_chain, cue, statement_date, hedges, evidence,
            claim_types, event, quantities;
    } c;
    struct { Py_ssize_t kind, entity_id, mention; } src;
    struct { Py_ssize_t start, end, text; } sp;
    struct { Py_ssize_t cited, corroboration_spans; } ev;
    struct { Py_ssize_t agent, recipient, item_entity_id, quantity, date, location; } e;
    struct { Py_ssize_t span, value, lower, upper; } q;
    struct { Py_ssize_t entity_id; } loc;
} ClaimCheckObject;

/* 1: span of the given type quoting text exactly within [0, n]; 0: not sure. (start, end) out. */
static int
span_ok(ClaimCheckObject *k, PyObject *sp, PyObject *text, Py_ssize_t n, Py_ssize_t *pa, Py_ssize_t *pb)
{
    if (Py_TYPE(sp) != k->span_t)
        return 0;
    Py_ssize_t a, b;
    if (!as_index(FLD(sp, k->sp.start), &a) || !as_index(FLD(sp, k->sp.end), &b))
        return 0;
    if (!(0 <= a && a < b && b <= n))
        return 0;
    if (pa) {
        *pa = a;
        *pb = b;
    }
    return slice_equals(text, a, b, FLD(sp, k->sp.text));
}

static int
opt_span_ok(ClaimCheckObject *k, PyObject *sp, PyObject *text, Py_ssize_t n)
{
    return sp == Py_None || span_ok(k, sp, text, n, NULL, NULL);
}

/* 1 / 0 not sure / -1 error */
static int
known(PyObject *ents, PyObject *id)
{
    if (PyAnySet_CheckExact(ents))
        return PySet_Contains(ents, id);
    return PySequence_Contains(ents, id);
}

/* kind/entity_id/mention of a Source: author without entity, anyone else with a known one */
static int
source_ok(ClaimCheckObject *k, PyObject *s, PyObject *ents, PyObject *text, Py_ssize_t n)
{
    if (Py_TYPE(s) != k->source_t)
        return 0;
    PyObject *e = FLD(s, k->src.entity_id);
    if (str_is(FLD(s, k->src.kind), "author")) {
        if (e != Py_None)
            return 0;
    }
    else {
        if (e == Py_None)
            return 0;
        int r = known(ents, e);
        if (r <= 0)
            return r;
    }
    return opt_span_ok(k, FLD(s, k->src.mention), text, n);
}

/* 1 / 0 / -1 error; uses the shared cache first, as fastcheck does */
static int
date_ok(ClaimCheckObject *k, PyObject *d)
{
    if (!PyUnicode_CheckExact(d))
        return 0;
    PyObject *hit = PyDict_GetItemWithError(k->dates, d);
    if (hit != NULL)
        return hit == Py_True;
    if (PyErr_Occurred())
        return -1;
    PyObject *r = PyObject_CallOneArg(k->date_ok, d);
    if (r == NULL)
        return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

static int
float_or_none(PyObject *v, int *present, double *out)
{
    if (v == Py_None) {
        *present = 0;
        return 1;
    }
    if (!PyFloat_CheckExact(v))
        return 0;
    *present = 1;
    *out = PyFloat_AS_DOUBLE(v);
    return 1;
}

static int
quantity_ok(ClaimCheckObject *k, PyObject *q, PyObject *text, Py_ssize_t n)
{
    if (Py_TYPE(q) != k->quantity_t)
        return 0;
    int hl, hv, hh;
    double lo = 0, v = 0, hi = 0;
    if (!float_or_none(FLD(q, k->q.lower), &hl, &lo) || !float_or_none(FLD(q, k->q.value), &hv, &v)
        || !float_or_none(FLD(q, k->q.upper), &hh, &hi))
        return 0;
    if ((hl && hv && lo > v) || (hv && hh && v > hi) || (hl && hh && lo > hi))
        return 0;
    return span_ok(k, FLD(q, k->q.span), text, n, NULL, NULL);
}

/* two equal items in a list of str (small lists: pairwise) */
static int
has_duplicates(PyObject *list)
{
    Py_ssize_t len = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < len; i++)
        for (Py_ssize_t j = i + 1; j < len; j++)
            if (PyUnicode_Compare(PyList_GET_ITEM(list, i), PyList_GET_ITEM(list, j)) == 0)
                return 1;
    return 0;
}

static int
str_list(PyObject *v)
{
    if (!PyList_CheckExact(v))
        return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(v, i)))
            return 0;
    return 1;
}

static int
contains_str(PyObject *list, const char *s)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++)
        if (PyUnicode_CompareWithASCIIString(PyList_GET_ITEM(list, i), s) == 0)
            return 1;
    return 0;
}

/* boilerplate: a sequence of (start, end); 1 when [a, b) overlaps none, 0 when it does or unsure */
static int
clear_of(PyObject *bps, Py_ssize_t a, Py_ssize_t b)
{
    if (bps == Py_None)
        return 1;
    PyObject *fast = PySequence_Fast(bps, "boilerplate");
    if (fast == NULL) {
        PyErr_Clear();
        return 0;
    }
    int ok = 1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = 0; i < len && ok; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(fast, i);
        Py_ssize_t bs, be;
        if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 2 || !as_index(PyTuple_GET_ITEM(t, 0), &bs)
            || !as_index(PyTuple_GET_ITEM(t, 1), &be))
            ok = 0;
        else if (a < be && bs < b)
            ok = 0;
    }
    Py_DECREF(fast);
    return ok;
}

/* 1 when statement date sd is not after published (fastcheck: the common prefix compared) */
static int
not_after(PyObject *sd, PyObject *pub)
{
    if (!PyUnicode_IS_ASCII(sd) || !PyUnicode_IS_ASCII(pub))
        return 0;
    Py_ssize_t ls = PyUnicode_GET_LENGTH(sd), lp = PyUnicode_GET_LENGTH(pub);
    Py_ssize_t m = ls < lp ? ls : lp;
    return memcmp(PyUnicode_1BYTE_DATA(sd), PyUnicode_1BYTE_DATA(pub), (size_t)m) <= 0;
}

#define CHECK(x)            \
    do {                    \
        int _r = (x);       \
        if (_r < 0)         \
            return NULL;    \
        if (_r == 0)        \
            Py_RETURN_NONE; \
    } while (0)

/* check(c, text, boilerplate, published, entities, prefix) -> content-key hash, or None */
static PyObject *
ClaimCheck_call(ClaimCheckObject *k, PyObject *args, PyObject *kwds)
{
    PyObject *c, *text, *bps, *pub, *ents, *prefix = Py_None;
    if (!PyArg_ParseTuple(args, "OOOOO|O", &c, &text, &bps, &pub, &ents, &prefix))
        return NULL;
    if (Py_TYPE(c) != k->claim_t || !PyUnicode_CheckExact(text) || PyUnicode_READY(text) < 0)
        Py_RETURN_NONE;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *aid = FLD(c, k->c.article_id);
    PyObject *cid = FLD(c, k->c.claim_id);
    if (!PyUnicode_CheckExact(aid) || !PyUnicode_CheckExact(cid))
        Py_RETURN_NONE;

    /* the claim ID starts with <article_id>-c */
    if (prefix != Py_None) {
        if (!PyUnicode_CheckExact(prefix))
            Py_RETURN_NONE;
        Py_ssize_t t = PyUnicode_Tailmatch(cid, prefix, 0, PY_SSIZE_T_MAX, -1);
        CHECK(t);
    }
    else {
        PyObject *p = PyUnicode_FromFormat("%U-c", aid);
        if (p == NULL)
            return NULL;
        Py_ssize_t t = PyUnicode_Tailmatch(cid, p, 0, PY_SSIZE_T_MAX, -1);
        Py_DECREF(p);
        CHECK(t);
    }

    /* claimant and source chain: ending at the author, starting at the claimant */
    PyObject *cl = FLD(c, k->c.claimant);
    CHECK(source_ok(k, cl, ents, text, n));
    PyObject *chain = FLD(c, k->c.source_chain);
    if (!PyList_CheckExact(chain) || PyList_GET_SIZE(chain) == 0)
        Py_RETURN_NONE;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(chain); i++)
        CHECK(source_ok(k, PyList_GET_ITEM(chain, i), ents, text, n));
    PyObject *first = PyList_GET_ITEM(chain, 0);
    PyObject *last = PyList_GET_ITEM(chain, PyList_GET_SIZE(chain) - 1);
    if (!str_is(FLD(last, k->src.kind), "author") || !str_eq(FLD(first, k->src.kind), FLD(cl, k->src.kind))
        || !same_opt_str(FLD(first, k->src.entity_id), FLD(cl, k->src.entity_id)))
        Py_RETURN_NONE;

    /* evidence: at least one, none_stated alone, no repeats */
    PyObject *ev = FLD(c, k->c.evidence);
    if (Py_TYPE(ev) != k->evidence_t)
        Py_RETURN_NONE;
    PyObject *cited = FLD(ev, k->ev.cited);
    if (!str_list(cited))
        Py_RETURN_NONE;
    Py_ssize_t nc = PyList_GET_SIZE(cited);
    if (nc == 0 || (nc > 1 && (contains_str(cited, "none_stated") || has_duplicates(cited))))
        Py_RETURN_NONE;

    /* claim types and quantities agree */
    PyObject *types = FLD(c, k->c.claim_types), *qs = FLD(c, k->c.quantities);
    if (!str_list(types) || !PyList_CheckExact(qs))
        Py_RETURN_NONE;
    if (contains_str(types, "quantity") != (PyList_GET_SIZE(qs) > 0) || (PyList_GET_SIZE(types) > 1 && has_duplicates(types)))
        Py_RETURN_NONE;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(qs); i++)
        CHECK(quantity_ok(k, PyList_GET_ITEM(qs, i), text, n));

    /* the event */
    PyObject *event = FLD(c, k->c.event);
    if (event != Py_None) {
        if (Py_TYPE(event) != k->event_t)
            Py_RETURN_NONE;
        PyObject *q = FLD(event, k->e.quantity);
        if (q != Py_None)
            CHECK(quantity_ok(k, q, text, n));
        PyObject *d = FLD(event, k->e.date);
        if (d != Py_None)
            CHECK(date_ok(k, d));
        PyObject *refs[3] = {FLD(event, k->e.agent), FLD(event, k->e.recipient), FLD(event, k->e.item_entity_id)};
        for (int i = 0; i < 3; i++)
            if (refs[i] != Py_None)
                CHECK(known(ents, refs[i]));
        PyObject *loc = FLD(event, k->e.location);
        if (loc != Py_None) {
            if (Py_TYPE(loc) != k->location_t)
                Py_RETURN_NONE;
            PyObject *le = FLD(loc, k->loc.entity_id);
            if (le != Py_None)
                CHECK(known(ents, le));
        }
    }

    /* the statement date: a date, not after publication */
    PyObject *sd = FLD(c, k->c.statement_date);
    if (sd != Py_None) {
        CHECK(date_ok(k, sd));
        if (pub != Py_None) {
            if (!PyUnicode_CheckExact(pub))
                Py_RETURN_NONE;
            if (PyUnicode_GET_LENGTH(pub) > 0)
                CHECK(not_after(sd, pub));
        }
    }

    /* cue, hedges, corroboration spans */
    CHECK(opt_span_ok(k, FLD(c, k->c.cue), text, n));
    PyObject *lists[2] = {FLD(c, k->c.hedges), FLD(ev, k->ev.corroboration_spans)};
    for (int j = 0; j < 2; j++) {
        if (!PyList_CheckExact(lists[j]))
            Py_RETURN_NONE;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lists[j]); i++)
            CHECK(span_ok(k, PyList_GET_ITEM(lists[j], i), text, n, NULL, NULL));
    }

    /* the content: in order, clear of boilerplate; its key's hash as fastcheck computes it */
    PyObject *content = FLD(c, k->c.content);
    if (!PyList_CheckExact(content))
        Py_RETURN_NONE;
    Py_ssize_t len = PyList_GET_SIZE(content);
    if (len == 0)
        Py_RETURN_NONE;
    Py_ssize_t prev = -1;
    PyObject *pairs = PyTuple_New(len);
    if (pairs == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *sp = PyList_GET_ITEM(content, i);
        Py_ssize_t a, b;
        if (!span_ok(k, sp, text, n, &a, &b) || a < prev || !clear_of(bps, a, b)) {
            Py_DECREF(pairs);
            Py_RETURN_NONE;
        }
        prev = b;
        PyObject *pair = PyTuple_Pack(2, FLD(sp, k->sp.start), FLD(sp, k->sp.end));
        if (pair == NULL) {
            Py_DECREF(pairs);
            return NULL;
        }
        PyTuple_SET_ITEM(pairs, i, pair);
    }
    PyObject *key = PyTuple_Pack(2, aid, pairs);
    Py_DECREF(pairs);
    if (key == NULL)
        return NULL;
    Py_hash_t h = PyObject_Hash(key);
    Py_DECREF(key);
    if (h == -1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(h);
}

static int
bind_offsets(PyTypeObject *tp, const char *const *names, Py_ssize_t *out, int count)
{
    for (int i = 0; i < count; i++) {
        out[i] = field_offset(tp, names[i]);
        if (out[i] < 0)
            return -1;
    }
    return 0;
}

static PyObject *
ClaimCheck_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *types, *dates, *date_ok_fn;
    if (!PyArg_ParseTuple(args, "O!O!O:ClaimCheck", &PyTuple_Type, &types, &PyDict_Type, &dates, &date_ok_fn))
        return NULL;
    if (PyTuple_GET_SIZE(types) != 7) {
        PyErr_SetString(PyExc_ValueError, "types: (Claim, Source, Span, Evidence, Event, Quantity, Location)");
        return NULL;
    }
    for (int i = 0; i < 7; i++)
        if (!PyType_Check(PyTuple_GET_ITEM(types, i))) {
            PyErr_SetString(PyExc_TypeError, "types must be classes");
            return NULL;
        }
    ClaimCheckObject *k = (ClaimCheckObject *)type->tp_alloc(type, 0);
    if (k == NULL)
        return NULL;
    Py_INCREF(types);
    k->types = types;
    Py_INCREF(dates);
    k->dates = dates;
    Py_INCREF(date_ok_fn);
    k->date_ok = date_ok_fn;
    PyTypeObject **t = &k->claim_t;
    for (int i = 0; i < 7; i++)
        t[i] = (PyTypeObject *)PyTuple_GET_ITEM(types, i);

    static const char *const claim_f[] = {"claim_id", "article_id", "content", "claimant", "source_chain", "cue",
                                          "statement_date", "hedges", "evidence", "claim_types", "event", "quantities"};
    static const char *const source_f[] = {"kind", "entity_id", "mention"};
    static const char *const span_f[] = {"start", "end", "text"};
    static const char *const evidence_f[] = {"cited", "corroboration_spans"};
    static const char *const event_f[] = {"agent", "recipient", "item_entity_id", "quantity", "date", "location"};
    static const char *const quantity_f[] = {"span", "value", "lower", "upper"};
    static const char *const location_f[] = {"entity_id"};
    if (bind_offsets(k->claim_t, claim_f, (Py_ssize_t *)&k->c, 12) < 0
        || bind_offsets(k->source_t, source_f, (Py_ssize_t *)&k->src, 3) < 0
        || bind_offsets(k->span_t, span_f, (Py_ssize_t *)&k->sp, 3) < 0
        || bind_offsets(k->evidence_t, evidence_f, (Py_ssize_t *)&k->ev, 2) < 0
        || bind_offsets(k->event_t, event_f, (Py_ssize_t *)&k->e, 6) < 0
        || bind_offsets(k->quantity_t, quantity_f, (Py_ssize_t *)&k->q, 4) < 0
        || bind_offsets(k->location_t, location_f, (Py_ssize_t *)&k->loc, 1) < 0) {
        Py_DECREF(k);
        return NULL;
    }
    return (PyObject *)k;
}

static void
ClaimCheck_dealloc(ClaimCheckObject *k)
{
    Py_XDECREF(k->types);
    Py_XDECREF(k->dates);
    Py_XDECREF(k->date_ok);
    Py_TYPE(k)->tp_free((PyObject *)k);
}

static PyTypeObject ClaimCheckType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "claimset._cfast.ClaimCheck",
    .tp_basicsize = sizeof(ClaimCheckObject),
    .tp_dealloc = (destructor)ClaimCheck_dealloc,
    .tp_call = (ternaryfunc)ClaimCheck_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "fastcheck.claim_fast compiled: ClaimCheck(types, dates_cache, date_ok)(c, text, bps, pub, ents, prefix)",
    .tp_new = ClaimCheck_new,
};

/* --- module ------------------------------------------------------------------------------------ */

static PyObject *
py_field_offset(PyObject *mod, PyObject *args)
{
    PyObject *tp;
    const char *name;
    if (!PyArg_ParseTuple(args, "O!s", &PyType_Type, &tp, &name))
        return NULL;
    Py_ssize_t off = field_offset((PyTypeObject *)tp, name);
    return off < 0 ? NULL : PyLong_FromSsize_t(off);
}

static PyObject *
py_id_ok(PyObject *mod, PyObject *v)
{
    return PyBool_FromLong(id_ok(v));
}

static PyMethodDef module_methods[] = {
    {"field_offset", py_field_offset, METH_VARARGS, "field_offset(struct_type, name) -> slot offset"},
    {"id_ok", py_id_ok, METH_O, "ID_PATTERN on a str (fastcheck.id_ok)"},
    {NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "claimset._cfast", "The validator's fast path, compiled (see fastcheck.py).", -1, module_methods,
};

PyMODINIT_FUNC
PyInit__cfast(void)
{
    if (PyType_Ready(&WalkerType) < 0 || PyType_Ready(&ClaimCheckType) < 0)
        return NULL;
    if (unset == NULL && (unset = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type)) == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&WalkerType);
    Py_INCREF(&ClaimCheckType);
    if (PyModule_AddObject(m, "Walker", (PyObject *)&WalkerType) < 0
        || PyModule_AddObject(m, "ClaimCheck", (PyObject *)&ClaimCheckType) < 0
        || PyModule_AddStringConstant(m, "SOURCE_SHA256", CFAST_SOURCE_SHA256) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
