/* lg_dl.c - the dynamic loader's doors to libc's own symbols, closed: dlsym, dlvsym, dlopen,
 * dlmopen.
 *
 * A program that asks the loader for libc's link() (dlsym of a libc handle, RTLD_NEXT, dlvsym of
 * a version) gets the library's wrapper instead; a plugin opened with RTLD_DEEPBIND (which
 * would bind it to libc first) is opened without it; a new link-map namespace (which would load
 * a second libc without this library) is refused. The wrappers for names the library does not
 * guard jump to the real function as a tail call: the real dlsym and dlopen look at their
 * caller (RTLD_NEXT, the caller's RUNPATH and $ORIGIN), which must stay the program's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>

#include "lg_shim.h"

#define LG_EXPORT __attribute__((visibility("default")))

/* Every name the library exports (lg_exports.def). */
static const char *const guarded[] = {
#define LG_SYMBOL(name) #name,
#include "lg_exports.def"
#undef LG_SYMBOL
};

/* This library's ELF header: where it starts in memory (the linker defines it). */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

typedef void *(*lg_dlsym_fn)(void *, const char *);
typedef void *(*lg_dlvsym_fn)(void *, const char *, const char *);
typedef void *(*lg_dlopen_fn)(const char *, int);
typedef void *(*lg_dlmopen_fn)(Lmid_t, const char *, int);

/* The tables of one loaded object that a lookup by name needs. */
struct symtab {
	const ElfW(Sym) * sym;
	const char *str;
	const uint32_t *hash; /* DT_GNU_HASH */
	const ElfW(Half) * versym;
};

struct real_dl {
	lg_dlsym_fn dlsym;
	lg_dlvsym_fn dlvsym;
	lg_dlopen_fn dlopen;
	lg_dlmopen_fn dlmopen;
	/* This library's own symbol table: our definitions, not the first in the global scope (a
	 * preload ahead of us, a sanitizer runtime, may define the same names and call ours). */
	const struct link_map *self;
	struct symtab self_tab;
};

static struct real_dl real;
static int real_state; /* 0: not looked up; 1: found; -1: missing */
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* A dynamic-section address: glibc relocates most in place, some loaders do not. */
static const void *dyn_ptr(const struct link_map *lm, ElfW(Addr) p)
{
	return (const void *)(p < lm->l_addr ? p + lm->l_addr : p);
}

/*
 * strcmp() == 0, without libc: a sanitizer runtime calls dlsym while it installs its own string
 * functions, whose real versions are not known yet.
 */
static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static int read_symtab(const struct link_map *lm, struct symtab *t)
{
	*t = (struct symtab){NULL, NULL, NULL, NULL};
	for (const ElfW(Dyn) *d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			t->sym = dyn_ptr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			t->str = dyn_ptr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_GNU_HASH)
			t->hash = dyn_ptr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_VERSYM)
			t->versym = dyn_ptr(lm, d->d_un.d_ptr);
	}
	return t->sym && t->str && t->hash ? 0 : -1;
}

/* The default version of function name in the object, through its GNU hash table; or NULL. */
static void *lookup(const struct link_map *lm, const struct symtab *t, const char *name)
{
	uint32_t nbuckets = t->hash[0], symoffset = t->hash[1], bloom_size = t->hash[2];
	const uint32_t *buckets =
	    (const uint32_t *)((const ElfW(Addr) *)(t->hash + 4) + bloom_size);
	const uint32_t *chain = buckets + nbuckets;
	uint32_t h = gnu_hash(name), i;

	if (nbuckets == 0)
		return NULL;
	for (i = buckets[h % nbuckets]; i >= symoffset; i++) {
		const ElfW(Sym) *s = &t->sym[i];
		uint32_t h2 = chain[i - symoffset];

		if ((h | 1) == (h2 | 1) && s->st_shndx != SHN_UNDEF &&
		    ELF64_ST_TYPE(s->st_info) == STT_FUNC && same_name(t->str + s->st_name, name) &&
		    (t->versym == NULL || !(t->versym[i] & 0x8000)))
			return (void *)(lm->l_addr + s->st_value);
		if (h2 & 1)
			break;
	}
	return NULL;
}

/*
 * The loader's functions as libc (or, before glibc 2.34, libdl) defines them. Not by dlsym: any
 * call of dlsym from here would reach our own wrapper first. The object that defines dladdr1
 * defines them all; its symbol table is read in memory.
 */
static void find_real_dl(void)
{
	struct link_map *lm = NULL;
	struct real_dl found;
	struct symtab t;
	Dl_info info;

	if (dladdr1((void *)dladdr1, &info, (void **)&lm, RTLD_DL_LINKMAP) == 0 || lm == NULL ||
	    read_symtab(lm, &t) != 0) {
		__atomic_store_n(&real_state, -1, __ATOMIC_RELEASE);
		return;
	}
	found.dlsym = (lg_dlsym_fn)lookup(lm, &t, "dlsym");
	found.dlvsym = (lg_dlvsym_fn)lookup(lm, &t, "dlvsym");
	found.dlopen = (lg_dlopen_fn)lookup(lm, &t, "dlopen");
	found.dlmopen = (lg_dlmopen_fn)lookup(lm, &t, "dlmopen");
	if (!found.dlsym || !found.dlvsym || !found.dlopen || !found.dlmopen) {
		__atomic_store_n(&real_state, -1, __ATOMIC_RELEASE);
		return;
	}
	if (dladdr1((void *)&real, &info, (void **)&found.self, RTLD_DL_LINKMAP) == 0 ||
	    found.self == NULL || read_symtab(found.self, &found.self_tab) != 0) {
		__atomic_store_n(&real_state, -1, __ATOMIC_RELEASE);
		return;
	}
	real = found;
	__atomic_store_n(&real_state, 1, __ATOMIC_RELEASE);
}

/* The real functions, or NULL when they can not be found (then every wrapper fails). */
static const struct real_dl *real_dl(void)
{
	pthread_once(&real_once, find_real_dl);
	return __atomic_load_n(&real_state, __ATOMIC_ACQUIRE) == 1 ? &real : NULL;
}

/* The load address of the object that holds addr, or NULL. */
static const void *object_of(const void *addr)
{
	Dl_info info;

	return addr && dladdr(addr, &info) != 0 ? info.dli_fbase : NULL;
}

/* Our own definition of a guarded name, or NULL. */
static void *ours_for(const struct real_dl *r, const char *name)
{
	for (size_t i = 0; name && i < sizeof(guarded) / sizeof(guarded[0]); i++)
		if (same_name(guarded[i], name))
			return lookup(r->self, &r->self_tab, name);
	return NULL;
}

/*
 * What to hand back for a lookup of name in handle (of version, for dlvsym) by a caller outside
 * this library: our wrapper, when the real answer lies in the object our own wrappers forward to
 * (libc); else NULL, for the real answer. The library's own lookups (dlsym(RTLD_NEXT, ...) for
 * the real functions) get the real answer.
 */
static void *substitute(const struct real_dl *r, void *handle, const char *name,
			const char *version, const void *caller)
{
	void *ours = ours_for(r, name);
	const void *found;

	if (ours == NULL || object_of(caller) == (const void *)&__ehdr_start)
		return NULL;
	found = version ? r->dlvsym(handle, name, version) : r->dlsym(handle, name);
	if (found == NULL || object_of(found) != object_of(r->dlsym(RTLD_NEXT, name)))
		return NULL;
	return ours;
}

/* Set dlerror()'s message for a refusal: a load that can only fail, with a name that says why. */
static void *refused(const struct real_dl *r)
{
	return r->dlopen("/dev/null/linkguard refused a new link-map namespace", RTLD_NOW);
}

void *lg_next_symbol(const char *name)
{
	const struct real_dl *r = real_dl();

	/* The loader's dlsym, called from here: RTLD_NEXT means the objects after this library. */
	return r != NULL ? r->dlsym(RTLD_NEXT, name) : NULL;
}

LG_EXPORT void *dlsym(void *handle, const char *name)
{
	const struct real_dl *r = real_dl();
	void *ours;

	if (r == NULL)
		return NULL;
	ours = substitute(r, handle, name, NULL, __builtin_return_address(0));
	if (ours != NULL)
		return ours;
	return r->dlsym(handle, name); /* a tail call: the caller stays the program's */
}

LG_EXPORT void *dlvsym(void *handle, const char *name, const char *version)
{
	const struct real_dl *r = real_dl();
	void *ours;

	if (r == NULL)
		return NULL;
	ours = substitute(r, handle, name, version, __builtin_return_address(0));
	if (ours != NULL)
		return ours;
	return r->dlvsym(handle, name, version);
}

/*
 * RTLD_DEEPBIND puts a plugin's own dependencies (libc) ahead of the global scope, where this
 * library is: its link() would be libc's. Opened without it, the plugin binds as any other.
 */
LG_EXPORT void *dlopen(const char *file, int mode)
{
	const struct real_dl *r = real_dl();

	if (r == NULL)
		return NULL;
	return r->dlopen(file, mode & ~RTLD_DEEPBIND);
}

/* A new (or an auditor's) link-map namespace gets a libc of its own, without this library. */
static int refuse_namespace(const char *file)
{
	struct lg_config *cfg = lg_config();
	const char *reason = "a new link-map namespace loads a libc of its own, which linkguard "
			     "can not reach";
	enum lg_decision decision = lg_decide(&cfg->policy, LG_FOUND_UNCHECKED);

	if (decision == LG_ALLOW)
		return 0;
	if (decision == LG_CHECK)
		decision = lg_decide(&cfg->policy, LG_FOUND_ESCAPE);
	{
		struct lg_denial d = {"dlmopen", file, NULL, file, -1, NULL, reason, decision};

		lg_report(cfg, &d);
	}
	return decision == LG_AUDIT ? 0 : -LG_ERR_DENIED;
}

LG_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
	const struct real_dl *r = real_dl();

	if (r == NULL)
		return NULL;
	if (lmid != LM_ID_BASE && refuse_namespace(file) != 0)
		return refused(r);
	return r->dlmopen(lmid, file, mode & ~RTLD_DEEPBIND);
}
