"""Train a classifier on an uploaded table, then predict with it.

Uploads scikit-learn's bundled iris measurements as a dataset, trains a
random forest on the server (80 % of the rows, scored on the other 20 %),
prints its held-out metrics and feature importances, predicts the species of
two new flowers with their class probabilities, then deletes the model and
the dataset.

    NEUROGATE_TARGET=127.0.0.1:50051 NEUROGATE_API_KEY=... python examples/train_model.py
"""

from __future__ import annotations

from sklearn.datasets import load_iris

from neurogate.client import Client

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def main() -> None:
    iris = load_iris(as_frame=True)
    frame = iris.frame.copy()
    frame["species"] = [str(iris.target_names[i]) for i in iris.target]
    frame = frame.drop(columns="target")

    with Client.from_env() as client:
        dataset = client.data.upload(frame, name="iris")
        model = None
        try:
            model = client.ml.train(
                dataset_id=dataset.id,
                target="species",
                features=FEATURES,
                model_type="random_forest",
                hyperparameters={"n_estimators": 50},
            )
            print(f"model {model.id} ({model.task}), classes {model.classes}")
            print("held-out metrics:", {k: round(v, 4) for k, v in model.metrics.items()})
            print(
                "feature importance:", {k: round(v, 3) for k, v in model.feature_importance.items()}
            )
            flowers = [
                dict(zip(FEATURES, [5.1, 3.5, 1.4, 0.2], strict=True)),
                dict(zip(FEATURES, [6.7, 3.0, 5.2, 2.3], strict=True)),
            ]
            predicted = model.predict(flowers)
            for flower, label, probabilities in zip(
                flowers, predicted.predictions, predicted.probabilities, strict=True
            ):
                print(f"{list(flower.values())} -> {label} {probabilities}")
        finally:
            if model is not None:
                client.ml.delete(model.id)
            client.data.delete(dataset.id)


if __name__ == "__main__":
    main()
