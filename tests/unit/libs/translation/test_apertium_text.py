from libs.translation.apertium_text import clean_output, prepare_line


def test_a_line_is_put_on_one_physical_line() -> None:
    assert prepare_line("  two\nlines\r\n  here ") == "two lines here"
    assert prepare_line("\t") == ""


def test_unknown_word_marks_are_dropped() -> None:
    assert clean_output("Blorfle the zizzy", "*Blorfle el *zizzy") == "Blorfle el zizzy"
    assert clean_output("the thing", "la #cosa @grande") == "La cosa grande".lower()


def test_marks_the_source_used_are_kept() -> None:
    assert clean_output("Email @joe about #tags", "Envía @joe sobre #etiquetas") == (
        "Envía @joe sobre #etiquetas"
    )
    assert clean_output("2 * 3", "2 * 3") == "2 * 3"


def test_stray_spaces_go_and_a_capital_is_restored() -> None:
    assert clean_output("I saw the red car.", " vi el coche  rojo .") == "Vi el coche rojo."
    assert clean_output('- "Quotes", 3,500!', '- "Cita", 3,500!') == '- "Cita", 3,500!'
    assert clean_output("lower case", "minúsculas") == "minúsculas"
    assert clean_output("Wait : what", "Espera : qué") == "Espera : qué"


def test_capitals_apertium_adds_inside_a_sentence_are_lowered() -> None:
    assert clean_output("Thank you for listening.", "Gracias Para escuchar.") == (
        "Gracias para escuchar."
    )
    assert clean_output("Blorfle the zizzy", "*Blorfle El *zizzy") == "Blorfle el zizzy"
    assert clean_output("It is. It is red.", "Es. Es Rojo.") == "Es. Es rojo."


def test_capitals_are_kept_when_the_source_had_names() -> None:
    assert clean_output("I saw John today.", "Vi John hoy.") == "Vi John hoy."
    assert clean_output("I told Anna", "Dije Anna") == "Dije Anna"
    assert clean_output("Hi. Go!", "Hola. Ve!") == "Hola. Ve!"
