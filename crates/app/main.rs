// glibc's allocator serialises frees of memory allocated on another thread; conversion
// parses on one thread and maps on the other, so a per-thread-heap allocator pays off.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ponto2camt::cli::main()
}
