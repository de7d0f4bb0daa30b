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
#include <errno.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>

#include "lg_compat.h" /* Lmid_t, RTLD_DEEPBIND where libc has no dlmopen (musl) */
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
	ElfW(Addr) base; /* the object's load address (l_addr) */
	const ElfW(Sym) * sym;
	const char *str;
	const uint32_t *hash; /* DT_GNU_HASH */
	const ElfW(Half) * versym;
};

typedef int (*lg_dladdr_fn)(const void *, Dl_info *);

struct real_dl {
	lg_dlsym_fn dlsym;
	lg_dlvsym_fn dlvsym;
	lg_dlopen_fn dlopen;
	lg_dlmopen_fn dlmopen;
	lg_dladdr_fn dladdr;
	struct symtab libc_tab; /* the object that defines them */
	/* This library's own symbol table: our definitions, not the first in the global scope (a
	 * preload ahead of us, a sanitizer runtime, may define the same names and call ours). */
	struct symtab self_tab;
	/* Found from the loader the kernel mapped (trusted_dl), not through names the program may
	 * define itself (early_dl, before the constructor ran). */
	int trusted;
};

/* One of the two lookups: its result and its state (0: not yet; 1: found; -1: missing). */
struct real_slot {
	struct real_dl real;
	int state;
	pthread_once_t once;
};

static struct real_slot early_slot = {.once = PTHREAD_ONCE_INIT};
static struct real_slot trusted_slot = {.once = PTHREAD_ONCE_INIT};

/* A dynamic-section address: glibc relocates most in place, some loaders do not. */
static const void *dyn_ptr(ElfW(Addr) base, ElfW(Addr) p)
{
	return (const void *)(p < base ? p + base : p);
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

static int read_symtab(ElfW(Addr) base, const ElfW(Dyn) * dyn, struct symtab *t)
{
	*t = (struct symtab){base, NULL, NULL, NULL, NULL};
	for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			t->sym = dyn_ptr(base, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			t->str = dyn_ptr(base, d->d_un.d_ptr);
		else if (d->d_tag == DT_GNU_HASH)
			t->hash = dyn_ptr(base, d->d_un.d_ptr);
		else if (d->d_tag == DT_VERSYM)
			t->versym = dyn_ptr(base, d->d_un.d_ptr);
	}
	return t->sym && t->str && t->hash ? 0 : -1;
}

/* What find_object looks for: the object that holds addr, and its dynamic section. */
struct object_query {
	const void *addr;
	ElfW(Addr) base;
	const ElfW(Dyn) * dyn;
};

static int holds_addr(struct dl_phdr_info *info, size_t size, void *data)
{
	struct object_query *q = data;
	const ElfW(Dyn) *dyn = NULL;
	int holds = 0;

	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		ElfW(Addr) start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)start;
		else if (ph->p_type == PT_LOAD && (ElfW(Addr))q->addr >= start &&
			 (ElfW(Addr))q->addr - start < ph->p_memsz)
			holds = 1;
	}
	if (!holds)
		return 0;
	q->base = info->dlpi_addr;
	q->dyn = dyn;
	return 1;
}

/*
 * The symbol table of the loaded object that holds addr; 0 or -1. By its program headers, not
 * dladdr1(), which also searches the object's whole symbol table for the nearest symbol (for libc,
 * some 90,000 instructions at every start).
 */
static int symtab_of(const void *addr, struct symtab *t)
{
	struct object_query q = {addr, 0, NULL};

	if (dl_iterate_phdr(holds_addr, &q) != 1 || q.dyn == NULL)
		return -1;
	return read_symtab(q.base, q.dyn, t);
}

/* The default version of name (a function, or an object when type says so) in the object,
 * through its GNU hash table; or NULL. */
static void *lookup_typed(const struct symtab *t, const char *name, int type)
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
		    ELF64_ST_TYPE(s->st_info) == type && same_name(t->str + s->st_name, name) &&
		    (t->versym == NULL || !(t->versym[i] & 0x8000)))
			return (void *)(t->base + s->st_value);
		if (h2 & 1)
			break;
	}
	return NULL;
}

static void *lookup(const struct symtab *t, const char *name)
{
	return lookup_typed(t, name, STT_FUNC);
}

/* The symbol table of the shared object whose ELF header is mapped at base; 0 or -1. */
static int symtab_at(ElfW(Addr) base, struct symtab *t)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	const ElfW(Phdr) * ph;

	if (base == 0 || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
	    eh->e_type != ET_DYN)
		return -1;
	ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	for (ElfW(Half) i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			return read_symtab(base, (const ElfW(Dyn) *)(base + ph[i].p_vaddr), t);
	return -1;
}

/* Whether addr lies in this library (its own program headers, read in memory). */
static int is_ours(const void *addr)
{
	ElfW(Addr) base = (ElfW(Addr)) & __ehdr_start, a = (ElfW(Addr))addr;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + __ehdr_start.e_phoff);

	for (ElfW(Half) i = 0; i < __ehdr_start.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && a >= base + ph[i].p_vaddr &&
		    a - (base + ph[i].p_vaddr) < ph[i].p_memsz)
			return 1;
	return 0;
}

/* Whether an object's name (a path) is libc's: libc.so.6, which holds the loader's functions
 * since glibc 2.34 (the package's least glibc). */
static int names_libc(const char *name)
{
	const char *base = name;

	for (const char *p = name; p && *p; p++)
		if (*p == '/')
			base = p + 1;
	return name && same_name(base, "libc.so.6");
}

/*
 * libc's symbol table, found from the dynamic loader the kernel mapped (AT_BASE): the loader's
 * own when it defines dlsym (musl's loader is its libc); else, in the loader's list of loaded
 * objects (_r_debug), the object named libc.so.6. No name the program could define is looked up
 * in the global scope on the way.
 */
static int libc_symtab(ElfW(Addr) loader, struct symtab *t)
{
	struct symtab ld;
	const struct r_debug *rd;

	if (symtab_at(loader, &ld) != 0)
		return -1;
	if (lookup(&ld, "dlsym") != NULL) {
		*t = ld;
		return 0;
	}
	rd = lookup_typed(&ld, "_r_debug", STT_OBJECT);
	for (const struct link_map *l = rd ? rd->r_map : NULL; l != NULL; l = l->l_next)
		if (names_libc(l->l_name) && read_symtab(l->l_addr, l->l_ld, t) == 0 &&
		    lookup(t, "dlsym") != NULL)
			return 0;
	return -1;
}

/* The loader's functions in the object t is the symbol table of; musl has no dlvsym, dlmopen. */
static int fill_real_dl(const struct symtab *t, int trusted, struct real_dl *found)
{
	found->dlsym = (lg_dlsym_fn)lookup(t, "dlsym");
	found->dlvsym = (lg_dlvsym_fn)lookup(t, "dlvsym");
	found->dlopen = (lg_dlopen_fn)lookup(t, "dlopen");
	found->dlmopen = (lg_dlmopen_fn)lookup(t, "dlmopen");
	found->dladdr = (lg_dladdr_fn)lookup(t, "dladdr");
	found->libc_tab = *t;
	found->trusted = trusted;
	if (!found->dlsym || !found->dlopen || !found->dladdr ||
	    (LG_HAVE_DLMOPEN && (!found->dlvsym || !found->dlmopen)))
		return -1;
	return symtab_at((ElfW(Addr)) & __ehdr_start, &found->self_tab);
}

static void settle(struct real_slot *slot, int found)
{
	__atomic_store_n(&slot->state, found == 0 ? 1 : -1, __ATOMIC_RELEASE);
}

/*
 * Where the dynamic loader's ELF header is mapped: AT_BASE; or, for the loader run as a command
 * (ld.so PROGRAM, AT_BASE 0), the loader itself is what the kernel loaded, its program headers
 * at the kernel's AT_PHDR (the loader rewrites the stack's for its program), right after that
 * header. 0 when neither holds.
 */
static ElfW(Addr) loader_base(void)
{
	ElfW(Addr) base = lg_auxv(AT_BASE), phdr;
	const ElfW(Ehdr) * eh;

	if (base != 0)
		return base;
	phdr = lg_kernel_auxv(AT_PHDR);
	if (phdr < sizeof(ElfW(Ehdr)))
		return 0;
	eh = (const ElfW(Ehdr) *)(phdr - sizeof(ElfW(Ehdr)));
	return eh->e_phoff == sizeof(ElfW(Ehdr)) && eh->e_ident[EI_MAG0] == ELFMAG0 &&
		       eh->e_ident[EI_MAG1] == ELFMAG1
		   ? (ElfW(Addr))eh
		   : 0;
}

/*
 * The loader's functions as libc defines them. Not by dlsym: any call of dlsym from
 * here would reach our own wrapper first; the symbol table is read in memory. Trusted: libc
 * found from the loader the kernel mapped (AT_BASE, from the constructor's auxiliary vector, or
 * from the trusted /proc where real_dl may read it).
 */
static void find_trusted_dl(void)
{
	struct symtab t;

	settle(&trusted_slot,
	       libc_symtab(loader_base(), &t) != 0 ? -1 : fill_real_dl(&t, 1, &trusted_slot.real));
}

/*
 * Before the constructor ran (a sanitizer runtime starting, an earlier constructor): the object
 * that holds the dladdr this library was bound to, which the program may define itself. What is
 * found so is used only where a wrong answer refuses more (see substitute).
 */
static void find_early_dl(void)
{
	struct symtab t;

	settle(&early_slot,
	       symtab_of((void *)dladdr, &t) != 0 ? -1 : fill_real_dl(&t, 0, &early_slot.real));
}

static const struct real_dl *from_slot(struct real_slot *slot, void (*find)(void))
{
	pthread_once(&slot->once, find);
	return __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) == 1 ? &slot->real : NULL;
}

/*
 * The real functions, or NULL when they can not be found (then every wrapper fails). The trusted
 * ones once the constructor has the auxiliary vector, or (may_read_proc) from /proc: not while a
 * sanitizer runtime, before its shadow memory exists, calls the wrappers below.
 */
static const struct real_dl *real_dl_from(int may_read_proc)
{
	const struct real_dl *r = NULL;

	if (may_read_proc || lg_start_auxv(AT_BASE) != 0 ||
	    __atomic_load_n(&trusted_slot.state, __ATOMIC_ACQUIRE) == 1)
		r = from_slot(&trusted_slot, find_trusted_dl);
	return r ? r : from_slot(&early_slot, find_early_dl);
}

static const struct real_dl *real_dl(void)
{
	return real_dl_from(0);
}

void *lg_dl_next(const char *name)
{
	const struct real_dl *r = real_dl();

	/* Called from here, the real dlsym's RTLD_NEXT starts after this library. */
	return r == NULL ? NULL : r->dlsym(RTLD_NEXT, name);
}

/* The load address of the object that holds addr, or NULL: by libc's own dladdr. */
static const void *object_of(const struct real_dl *r, const void *addr)
{
	Dl_info info;

	return addr && r->dladdr(addr, &info) != 0 ? info.dli_fbase : NULL;
}

/* Our own definition of a guarded name, or NULL. */
static void *ours_for(const struct real_dl *r, const char *name)
{
	for (size_t i = 0; name && i < sizeof(guarded) / sizeof(guarded[0]); i++)
		if (same_name(guarded[i], name))
			return lookup(&r->self_tab, name);
	return NULL;
}

/*
 * What to hand back for a lookup of name in handle (of version, for dlvsym) by a caller outside
 * this library: our wrapper, when the real answer lies in the object our own wrappers forward to
 * (libc); else NULL, for the real answer. The library's own lookups (dlsym(RTLD_NEXT, ...) for
 * the real functions) get the real answer. Before the real functions could be trusted, every
 * found guarded name gets our wrapper.
 */
static void *substitute(const struct real_dl *r, void *handle, const char *name,
			const char *version, const void *caller)
{
	void *ours = ours_for(r, name);
	const void *found;

	if (ours == NULL || is_ours(caller))
		return NULL;
	found = version ? r->dlvsym(handle, name, version) : r->dlsym(handle, name);
	if (found == NULL ||
	    (r->trusted && object_of(r, found) != object_of(r, r->dlsym(RTLD_NEXT, name))))
		return NULL;
	return ours;
}

void *lg_libc_function(const char *name)
{
	const struct real_dl *r = real_dl_from(1);

	return r && r->trusted ? lookup(&r->libc_tab, name) : NULL;
}

/*
 * The environment as libc keeps it, through libc's own functions: the exec gate's PATH search
 * must find what libc's execvp will run, and system() and popen() must hand their shell the
 * settings, whatever getenv() or setenv() the program defines. Hidden: the library's own.
 */
#define LG_PRIVATE __attribute__((visibility("hidden")))
typedef char *(*lg_getenv_fn)(const char *);
typedef int (*lg_setenv_fn)(const char *, const char *, int);
typedef int (*lg_putenv_fn)(char *);
typedef int (*lg_unsetenv_fn)(const char *);

/* libc's environment function name, or NULL with errno ENOSYS. */
static void *env_function(const char *name)
{
	void *f = lg_libc_function(name);

	if (f == NULL)
		errno = ENOSYS;
	return f;
}

LG_PRIVATE char *getenv(const char *name)
{
	lg_getenv_fn fn = (lg_getenv_fn)lg_libc_function("getenv");

	return fn ? fn(name) : NULL;
}

LG_PRIVATE int setenv(const char *name, const char *value, int overwrite)
{
	lg_setenv_fn fn = (lg_setenv_fn)env_function("setenv");

	return fn ? fn(name, value, overwrite) : -1;
}

LG_PRIVATE int putenv(char *entry)
{
	lg_putenv_fn fn = (lg_putenv_fn)env_function("putenv");

	return fn ? fn(entry) : -1;
}

LG_PRIVATE int unsetenv(const char *name)
{
	lg_unsetenv_fn fn = (lg_unsetenv_fn)env_function("unsetenv");

	return fn ? fn(name) : -1;
}

const char *lg_errno_name(int err)
{
	const char *(*name)(int) = (const char *(*)(int))lg_libc_function("strerrorname_np");

	return name ? name(err) : NULL;
}

/* Asked once: the loader a process runs under never changes, nor its link map's name, and every
 * exec asks (dladdr is some 1,500 instructions). */
const char *lg_loader_path(void)
{
	static const char *known;
	const char *path = __atomic_load_n(&known, __ATOMIC_ACQUIRE);
	const struct real_dl *r;
	void *base;
	Dl_info info;

	if (path != NULL)
		return path;
	r = real_dl_from(1);
	base = (void *)loader_base();
	if (r == NULL || !r->trusted || base == NULL || r->dladdr(base, &info) == 0)
		return NULL;
	__atomic_store_n(&known, info.dli_fname, __ATOMIC_RELEASE);
	return info.dli_fname;
}

/* Set dlerror()'s message for a refusal: a load that can only fail, with a name that says why. */
static void *refused(const struct real_dl *r)
{
	return r->dlopen("/dev/null/linkguard refused a new link-map namespace", RTLD_NOW);
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

	if (r == NULL || r->dlvsym == NULL)
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

	if (r == NULL || r->dlmopen == NULL)
		return NULL;
	if (lmid != LM_ID_BASE && refuse_namespace(file) != 0)
		return refused(r);
	return r->dlmopen(lmid, file, mode & ~RTLD_DEEPBIND);
}
