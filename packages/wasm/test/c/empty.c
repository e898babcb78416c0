/* Does nothing: what wasi-libc's start-up allocates is all that is left. */
int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return 0;
}
