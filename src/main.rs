use clap::Parser;

fn main() {
    let cli = slimfile::cli::Cli::parse();
    std::process::exit(slimfile::run::run(cli.into()));
}
