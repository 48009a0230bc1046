"""The optional transformer backend, with a tiny model this test builds and trains itself (nothing is
downloaded). Skipped when the 'transformers' extra is not installed."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

transformers = pytest.importorskip("transformers", reason="the 'transformers' extra is not installed")
torch = pytest.importorskip("torch", reason="torch is not installed")

TRAIN = [("great service thanks", 2), ("good fast delivery", 2), ("love it great", 2),
         ("terrible slow delivery", 0), ("bad rude service", 0), ("awful broken item", 0),
         ("order placed today", 1), ("parcel arrived monday", 1)]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    d = tmp_path_factory.mktemp("tiny-sentiment")
    words = sorted({w for s, _ in TRAIN for w in s.split()})
    (d / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tok = BertTokenizer(str(d / "vocab.txt"))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=3,
                        id2label={0: "NEGATIVE", 1: "NEUTRAL", 2: "POSITIVE"},
                        label2id={"NEGATIVE": 0, "NEUTRAL": 1, "POSITIVE": 2})
    model = BertForSequenceClassification(config)
    enc = tok([s for s, _ in TRAIN], padding=True, return_tensors="pt")
    y = torch.tensor([label for _, label in TRAIN])
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(60):
        opt.zero_grad()
        loss = model(**enc, labels=y).loss
        loss.backward()
        opt.step()
    model.save_pretrained(d)
    tok.save_pretrained(d)
    return d


def test_transformer_backend_scores_with_a_local_model(tiny_model):
    from cxjourney.text.transformer import TransformerAnalyzer

    a = TransformerAnalyzer(tiny_model)
    pos, neg = a.analyze_many(["great service", "terrible rude delivery"])
    assert pos.label == "positive" and pos.score > 0.3
    assert neg.label == "negative" and neg.score < -0.3
    assert a.name == f"transformer:{tiny_model.name}"


def test_cli_sentiment_uses_the_transformer_backend(tiny_model, tmp_path):
    import json

    from typer.testing import CliRunner

    from cxjourney.cli.main import build

    res = CliRunner().invoke(build(), ["text", "sentiment", "--text", "great service", "--backend", "transformer",
                                       "--model-dir", str(tiny_model), "-w", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows"][0]["label"] == "positive"


def test_a_missing_model_directory_is_a_clear_error(tmp_path):
    from cxjourney.errors import ValidationFailed
    from cxjourney.text.transformer import TransformerAnalyzer

    with pytest.raises(ValidationFailed, match="no such model directory"):
        TransformerAnalyzer(tmp_path / "nope")
