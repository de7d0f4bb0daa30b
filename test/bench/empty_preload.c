/* empty_preload.c - a preload library that does nothing: the dynamic loader's own floor, against
 * which run.sh measures what liblinkguard.so adds to every program start. */
int lg_bench_empty_preload_marker(void);
int lg_bench_empty_preload_marker(void)
{
	return 0;
}
