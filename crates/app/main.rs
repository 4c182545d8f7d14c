fn main() -> std::process::ExitCode {
    ponto2camt::cli::main()
}
