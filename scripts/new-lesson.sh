#!/usr/bin/env bash
# Start lesson NN in both languages: the two pages, the nav entry, a row on the home page, a
# module section and its tests, from tools/templates/. The site builds right after it.
# Usage: bash scripts/new-lesson.sh NN slug [--module existing_module] [--function name]
#                                           [--title-en "Title"] [--title-ko "제목"]
# Example: bash scripts/new-lesson.sh 11 convolution --title-en "Convolution" --title-ko "합성곱"
set -euo pipefail
cd "$(dirname "$0")/.."
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
exec "$python" tools/new_lesson.py "$@"
