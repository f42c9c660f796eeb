fn main() -> std::process::ExitCode {
    arshif::cli::ensure_omp_thread_limit();
    arshif::cli::main()
}
