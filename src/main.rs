use clap::Parser;

fn main() {
    let cli = slimfile::cli::Cli::parse();
    std::process::exit(slimfile::cli::run(cli));
}
