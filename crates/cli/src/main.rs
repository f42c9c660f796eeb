//! The `arshif` command: the command line and, through `serve`, the HTTP
//! server, both thin front ends over the `arshif` library.

mod cli;

fn main() -> std::process::ExitCode {
    arshif::ocr::ensure_omp_thread_limit();
    if let Some(code) = arshif::ingest::worker::run_if_worker() {
        return code;
    }
    cli::main()
}
